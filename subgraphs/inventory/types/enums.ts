import { registerEnumType } from "type-graphql";

export enum Item {
  FOOD_KIT = "FOOD_KIT",
  HYGIENE_KIT = "HYGIENE_KIT",
  MASK = "MASK",
  CLOTHING = "CLOTHING",
  MEDICINE = "MEDICINE",
  BLANKET = "BLANKET",
  WATER = "WATER",
}
registerEnumType(Item, { name: "Item" });

export enum DonorKind {
  PERSON = "PERSON",
  ORGANISATION = "ORGANISATION",
}
registerEnumType(DonorKind, {
  name: "DonorKind",
  description: "A donor who is a person is personal data (the region's staff only); an organisation's name is not.",
});

export enum MovementKind {
  DONATION_IN = "DONATION_IN",
  DISTRIBUTION_OUT = "DISTRIBUTION_OUT",
  ADJUSTMENT = "ADJUSTMENT",
  WRITE_OFF = "WRITE_OFF",
  TRANSFER_OUT = "TRANSFER_OUT",
  TRANSFER_IN = "TRANSFER_IN",
}
registerEnumType(MovementKind, { name: "MovementKind", description: "Why stock changed; every change is one movement." });

export enum AdjustmentKind {
  ADJUSTMENT = "ADJUSTMENT",
  WRITE_OFF = "WRITE_OFF",
}
registerEnumType(AdjustmentKind, {
  name: "AdjustmentKind",
  description: "ADJUSTMENT corrects a count (either way); WRITE_OFF removes damaged or expired stock.",
});

export enum TransferStatus {
  REQUESTED = "REQUESTED",
  IN_TRANSIT = "IN_TRANSIT",
  RECEIVED = "RECEIVED",
  CANCELLED = "CANCELLED",
}
registerEnumType(TransferStatus, {
  name: "TransferStatus",
  description:
    "REQUESTED: the stock has left the source, the destination has not confirmed it yet; IN_TRANSIT: the destination knows it is coming; RECEIVED: added to the destination's stock; CANCELLED: returned to the source.",
});

export enum TransferSide {
  OUTGOING = "OUTGOING",
  INCOMING = "INCOMING",
}
registerEnumType(TransferSide, {
  name: "TransferSide",
  description: "Which side of a transfer a region's record is: its source or its destination.",
});
