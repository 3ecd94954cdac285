// Deterministic demo data for a region, written through the subgraphs' own data layers
// and the official driver: volunteers in groups, households with consent, the hotline's
// help requests, warehouses stocked through the ledger, and coming events.
import { ObjectId } from "bson";
import type { Db } from "mongodb";
import { beneficiariesOf, NATIONAL_ID_PURPOSE, type BeneficiaryDoc } from "../../subgraphs/beneficiaries/data/beneficiaries.js";
import { helpRequestsOf, type HelpRequestDoc } from "../../subgraphs/beneficiaries/data/help-requests.js";
import {
  BeneficiaryStatus,
  HelpChannel,
  HelpRequestStatus,
  Need,
  URGENCY_RANK,
  Urgency,
  Vulnerability,
} from "../../subgraphs/beneficiaries/types/enums.js";
import { eventsOf, type EventDoc } from "../../subgraphs/events/data/events.js";
import { EventKind, EventStatus } from "../../subgraphs/events/types/enums.js";
import { accountOf } from "../../subgraphs/inventory/data/entitlements.js";
import { leaseFor } from "../../subgraphs/kernel/lease.js";
import { payloadHash, runOperation, type OperationDoc } from "../../subgraphs/inventory/data/ledger.js";
import { warehousesOf, type WarehouseDoc } from "../../subgraphs/inventory/data/warehouses.js";
import { DonorKind, Item } from "../../subgraphs/inventory/types/enums.js";
import { composeIin } from "../../subgraphs/kernel/iin.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import type { RegionInfo } from "../../subgraphs/kernel/regions.js";
import { searchKey } from "../../subgraphs/kernel/text.js";
import { organisationsOf, type OrganisationDoc } from "../../subgraphs/volunteers/data/organisations.js";
import { OrganisationKind } from "../../subgraphs/volunteers/types/organisation.js";
import { groupsOf, volunteersOf, type GroupDoc, type VolunteerDoc } from "../../subgraphs/volunteers/data/volunteers.js";
import { Skill, VolunteerStatus } from "../../subgraphs/volunteers/types/enums.js";
import { DISTRICTS, DONORS, EVENTS, FEMALE, MALE, SURNAMES } from "./names.js";

export interface SeedSizes {
  volunteers: number;
  beneficiaries: number;
  /** Open: the hotline's queue. */
  helpRequests: number;
  warehouses: number;
  /** Coming. */
  events: number;
  /** Fulfilled or cancelled over the last two months (for reports). */
  pastHelpRequests: number;
  /** Held over the last two months, with attendance. */
  pastEvents: number;
}

const DEFAULT_SIZES: SeedSizes = {
  volunteers: 40,
  beneficiaries: 30,
  helpRequests: 20,
  warehouses: 2,
  events: 5,
  pastHelpRequests: 24,
  pastEvents: 4,
};

/** The organisations every region's seed registers, and which groups, warehouses and events they run. */
const ORGANISATIONS: Array<[string, OrganisationKind]> = [
  ["Центр поддержки населения", OrganisationKind.PUBLIC_BODY],
  ["Общество Красного Полумесяца", OrganisationKind.NGO],
  ["Жастар ресурстық орталығы", OrganisationKind.PUBLIC_BODY],
  ["Соседская помощь", OrganisationKind.INFORMAL_GROUP],
];

/** mulberry32: a small deterministic PRNG, seeded per region. */
function rng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid IIN for household `n` of a region (a birth date and serial from both), as enrolment would accept. */
function seededIin(regionDigits: string, n: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + n * 401 * 86_400_000);
  for (let serial = Number(regionDigits) * 100 + n; ; serial += 1000) {
    const iin = composeIin(birth, n % 2 ? 3 : 4, serial % 10_000);
    if (iin !== null) return iin;
  }
}

/** A fixed ObjectId per (region, kind, n): the same seed gives the same ids. */
function oid(region: string, kind: number, n: number): ObjectId {
  const code = Number(region.replace(/\D/g, "")) || 0;
  return ObjectId.createFromHexString(
    `a1d0${code.toString(16).padStart(4, "0")}${kind.toString(16).padStart(4, "0")}${n.toString(16).padStart(12, "0")}`,
  );
}

export async function isSeeded(db: Db): Promise<boolean> {
  return (await volunteersOf(db).countDocuments({}, { limit: 1 })) > 0;
}

export async function seedRegion(
  db: Db,
  region: RegionInfo,
  keyedHash: (purpose: string, value: string) => string,
  {
    sizes = DEFAULT_SIZES,
    now = new Date(),
    matchToken,
  }: {
    sizes?: SeedSizes;
    now?: Date;
    /** The national match token (the hosts' NATIONAL_MATCH_KEY): households can then be compared across regions. */
    matchToken?: (nationalId: string) => string;
  } = {},
): Promise<Record<keyof SeedSizes, number>> {
  const random = rng(region.code);
  const lease = leaseFor();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const some = <T>(list: readonly T[], max: number): T[] => [
    ...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(list))),
  ];
  const person = () => {
    const female = random() < 0.5;
    const [m, f] = pick(SURNAMES);
    return `${pick(female ? FEMALE : MALE)} ${female ? f : m}`;
  };
  // "Ахметов" → "Семья Ахметовых"; surnames that do not decline stay as they are.
  const family = (surname: string) => (/(ов|ев|ин)$/.test(surname) ? `Семья ${surname}ых` : `Семья ${surname}`);
  const code = region.code;
  // The seed acts as one of the region's staff: other regions see only the role.
  const actor = `REGIONAL_STAFF:seed-${code}`;
  const digits = code.replace(/\D/g, "").padStart(2, "0");
  const day = 86_400_000;

  // The organisations that run the region's groups, warehouses and events.
  const organisations: OrganisationDoc[] = ORGANISATIONS.map(([name, kind], i) => ({
    _id: oid(code, 8, i),
    name,
    nameKey: searchKey(name),
    kind,
    regions: [code],
    createdAt: new Date(now.getTime() - 120 * day),
  }));
  await organisationsOf(db).insertMany(organisations);
  const organisationId = (i: number) => encodeId("Organisation", code, organisations[i]._id);

  // Volunteers in three groups, each with a leader.
  const groups: GroupDoc[] = ["Волонтёры Красного Полумесяца", "Жастар ресурстық орталығы", "Помощь пожилым"].map((name, i) => ({
    _id: oid(code, 1, i),
    name: `${name} (${region.name.ru})`,
    nameKey: searchKey(`${name} (${region.name.ru})`),
    organisationId: organisationId(i + 1),
    leaderId: oid(code, 2, i),
    createdAt: new Date(now.getTime() - 90 * day),
  }));
  const volunteers: VolunteerDoc[] = Array.from({ length: sizes.volunteers }, (_, i) => {
    const fullName = person();
    return {
      _id: oid(code, 2, i),
      fullName,
      nameKey: searchKey(fullName),
      phone: `+770${digits}${String(1_000_000 + i).slice(1)}`,
      skills: some(Object.values(Skill), 3),
      languages: random() < 0.7 ? ["kk", "ru"] : random() < 0.5 ? ["ru"] : ["kk", "ru", "en"],
      status: i % 13 === 7 ? VolunteerStatus.INACTIVE : VolunteerStatus.ACTIVE,
      groupId: i < 3 * Math.floor(sizes.volunteers / 4) ? groups[i % 3]._id : null,
      registeredAt: new Date(now.getTime() - (200 - i) * day),
      updatedAt: new Date(now.getTime() - (200 - i) * day),
    };
  });
  await groupsOf(db).insertMany(groups);
  await volunteersOf(db).insertMany(volunteers);

  // Households, with consent and the national ID only as a keyed hash.
  const beneficiaries: BeneficiaryDoc[] = Array.from({ length: sizes.beneficiaries }, (_, i) => {
    const at = new Date(now.getTime() - (120 - i) * day);
    return {
      _id: oid(code, 3, i),
      fullName: random() < 0.6 ? family(pick(SURNAMES)[0]) : person(),
      phone: `+770${(Number(digits) + 50) % 100}${String(2_000_000 + i).slice(1)}`,
      address: pick(DISTRICTS),
      nationalIdHash: keyedHash(NATIONAL_ID_PURPOSE, seededIin(digits, i)),
      ...(matchToken ? { nationalMatchToken: matchToken(seededIin(digits, i)) } : {}),
      householdSize: 1 + Math.floor(random() * 7),
      vulnerabilities: some(Object.values(Vulnerability), 2),
      needs: some([Need.FOOD, Need.FOOD, Need.MEDICINE, Need.CLOTHING, Need.HYGIENE, Need.LEGAL_AID, Need.PSYCHOLOGICAL_SUPPORT], 2),
      consent: { given: true, purpose: "продуктовая и социальная помощь", recordedAt: at, recordedBy: `seed-${code}`, withdrawnAt: null },
      status: BeneficiaryStatus.ACTIVE,
      registeredAt: at,
      updatedAt: at,
    };
  });
  await beneficiariesOf(db).insertMany(beneficiaries);

  // The hotline's queue: new calls, triaged ones, some already with a volunteer.
  const requests: HelpRequestDoc[] = Array.from({ length: sizes.helpRequests }, (_, i) => {
    const urgency = pick([Urgency.LOW, Urgency.NORMAL, Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL]);
    const status = [HelpRequestStatus.NEW, HelpRequestStatus.TRIAGED, HelpRequestStatus.ASSIGNED][i % 3];
    const at = new Date(now.getTime() - (i + 1) * 3_600_000);
    const volunteer = status === HelpRequestStatus.ASSIGNED ? encodeId("Volunteer", code, volunteers[i % volunteers.length]._id) : null;
    const history: HelpRequestDoc["history"] = [{ from: null, to: HelpRequestStatus.NEW, at, actor, note: null }];
    if (status !== HelpRequestStatus.NEW) history.push({ from: HelpRequestStatus.NEW, to: status, at, actor, note: null });
    return {
      _id: oid(code, 4, i),
      channel: pick(Object.values(HelpChannel)),
      need: pick(Object.values(Need)),
      urgency,
      urgencyRank: URGENCY_RANK[urgency],
      description: pick([
        "нужны продукты для семьи",
        "лекарства для пожилой соседки",
        "тёплая одежда детям",
        "консультация юриста",
        "вода и средства гигиены",
      ]),
      contactPhone: `+770${digits}9${String(100_000 + i).slice(1)}`,
      beneficiaryId: i % 2 === 0 ? beneficiaries[i % beneficiaries.length]._id : null,
      assignedVolunteerId: volunteer,
      status,
      history,
      createdAt: at,
      updatedAt: at,
    };
  });
  await helpRequestsOf(db).insertMany(requests);

  // The hotline's past: requests fulfilled or cancelled over the last two months, each
  // fulfilled one by a volunteer of a group, for the organisation the group works for.
  const midnight = Math.floor(now.getTime() / day) * day;
  const past: HelpRequestDoc[] = Array.from({ length: sizes.pastHelpRequests }, (_, i) => {
    const opened = new Date(midnight - (2 + Math.floor(i * 2.5)) * day + (6 + ((i * 7) % 17)) * 3_600_000);
    // Volunteers of every group (the first three quarters are in groups, in turn).
    const v = volunteers[(i * 4) % (3 * Math.floor(sizes.volunteers / 4))];
    const volunteer = encodeId("Volunteer", code, v._id);
    const cancelled = i % 3 === 2;
    const at = (hours: number) => new Date(opened.getTime() + hours * 3_600_000);
    const history: HelpRequestDoc["history"] = [{ from: null, to: HelpRequestStatus.NEW, at: opened, actor, note: null }];
    if (cancelled) history.push({ from: HelpRequestStatus.NEW, to: HelpRequestStatus.CANCELLED, at: at(1 + (i % 4)), actor, note: null });
    else {
      history.push(
        { from: HelpRequestStatus.NEW, to: HelpRequestStatus.ASSIGNED, at: at(1), actor, note: null },
        { from: HelpRequestStatus.ASSIGNED, to: HelpRequestStatus.IN_PROGRESS, at: at(2), actor, note: null },
        { from: HelpRequestStatus.IN_PROGRESS, to: HelpRequestStatus.FULFILLED, at: at(3 + (i % 5) * 7), actor, note: null },
      );
    }
    const urgency = [Urgency.NORMAL, Urgency.HIGH, Urgency.LOW][i % 3];
    return {
      _id: oid(code, 9, i),
      channel: HelpChannel.HOTLINE,
      need: [Need.FOOD, Need.MEDICINE, Need.HYGIENE, Need.CLOTHING, Need.LEGAL_AID, Need.INFORMATION][i % 6],
      urgency,
      urgencyRank: URGENCY_RANK[urgency],
      description: null,
      contactPhone: `+770${digits}8${String(100_000 + i).slice(1)}`,
      beneficiaryId: i % 3 === 1 ? null : beneficiaries[(i * 5) % beneficiaries.length]._id,
      assignedVolunteerId: cancelled ? null : volunteer,
      organisationId: cancelled || !v.groupId ? null : organisationId(1 + groups.findIndex((g) => g._id.equals(v.groupId))),
      status: cancelled ? HelpRequestStatus.CANCELLED : HelpRequestStatus.FULFILLED,
      history,
      // Some taken on a device in the field the night before, and synced in the morning.
      ...(i % 4 === 0 ? { capturedAt: new Date(opened.getTime() - 8 * 3_600_000) } : {}),
      createdAt: opened,
      updatedAt: history.at(-1)!.at,
    };
  });
  if (past.length) await helpRequestsOf(db).insertMany(past);

  // Warehouses, stocked through the ledger so that stock equals its movements.
  for (let w = 0; w < sizes.warehouses; w++) {
    const warehouse: WarehouseDoc = {
      _id: oid(code, 5, w),
      name: `${region.name.ru}: центр поддержки №${w + 1}`,
      nameKey: searchKey(`${region.name.ru}: центр поддержки №${w + 1}`),
      address: pick(DISTRICTS),
      // The support centre runs the first, the Red Crescent the others.
      organisationId: organisationId(w === 0 ? 0 : 1),
      stock: {},
      thresholds: { [Item.FOOD_KIT]: 50, [Item.BLANKET]: 20 },
      pendingOps: [],
      createdAt: new Date(now.getTime() - 100 * day),
    };
    await warehousesOf(db).insertOne(warehouse);
    const operation = (
      n: number,
      type: OperationDoc["type"],
      lines: OperationDoc["lines"],
      details: Partial<OperationDoc>,
    ): OperationDoc => ({
      _id: oid(code, 6, w * 100 + n),
      type,
      idempotencyKey: `seed-${code}-${w}-${n}`,
      payloadHash: payloadHash({ seed: n, lines }),
      warehouseId: warehouse._id,
      lines,
      status: "PENDING",
      error: null,
      actor,
      // Some late in the (UTC) evening: the next day in Almaty, where reports count days.
      createdAt: new Date(midnight - (60 - n * 3) * day + (n % 2 ? 19.5 : 9) * 3_600_000),
      completedAt: null,
      ...details,
    });
    const stockLines = Object.values(Item).map((item) => ({ item, delta: 10 + Math.floor(random() * 200) }));
    await runOperation(
      db,
      operation(0, "DONATION", stockLines, { donor: pick(DONORS), donorKind: DonorKind.ORGANISATION }),
      warehouse.name,
      lease,
    );
    for (let d = 1; d <= 4; d++) {
      const family = beneficiaries[(w * 4 + d) % beneficiaries.length];
      await runOperation(
        db,
        operation(
          d,
          "DISTRIBUTION",
          // Counted for the household, as distributeAid counts every line.
          [Item.FOOD_KIT, Item.HYGIENE_KIT].map((item) => ({
            item,
            delta: -1,
            entitlement: { account: accountOf(family._id, item), allowed: null, periodDays: 0, override: false },
          })),
          {
            beneficiaryId: encodeId("Beneficiary", code, family._id),
            householdSize: family.householdSize,
            deliveredBy: encodeId("Volunteer", code, volunteers[d]._id),
          },
        ),
        warehouse.name,
        lease,
      );
    }
  }

  // Coming events, with some volunteers already signed up.
  const events: EventDoc[] = Array.from({ length: sizes.events }, (_, i) => {
    const [kind, title] = EVENTS[(i + Number(digits)) % EVENTS.length];
    const startsAt = new Date(Math.ceil(now.getTime() / day) * day + (3 + i * 4) * day + 9 * 3_600_000);
    const capacity = 20 + 10 * (i % 3);
    const participants = volunteers
      .slice(i, i + 5)
      .map((v) => ({ volunteerId: encodeId("Volunteer", code, v._id), signedUpAt: now, hours: null, attendedAt: null }));
    return {
      _id: oid(code, 7, i),
      title,
      kind: kind as EventKind,
      description: null,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 6 * 3_600_000),
      location: kind === "SEMINAR" ? null : `${region.name.ru}, ${pick(DISTRICTS)}`,
      onlineUrl: kind === "SEMINAR" ? "https://meet.example.org/aidgraph-seminar" : null,
      capacity,
      spotsLeft: capacity - participants.length,
      organisationId: organisationId(2),
      status: EventStatus.SCHEDULED,
      cancelReason: null,
      participants,
      createdAt: now,
      updatedAt: now,
    };
  });
  await eventsOf(db).insertMany(events);

  // Events already held, with the hours their volunteers served (some did not come).
  const held: EventDoc[] = Array.from({ length: sizes.pastEvents }, (_, i) => {
    const [kind, title] = EVENTS[(i + 1 + Number(digits)) % EVENTS.length];
    const startsAt = new Date(midnight - (5 + i * 12) * day + 4 * 3_600_000);
    const participants = volunteers.slice(2 * i, 2 * i + 6).map((v, k) => ({
      volunteerId: encodeId("Volunteer", code, v._id),
      signedUpAt: new Date(startsAt.getTime() - (3 + k) * day),
      hours: k === 5 ? null : 2 + ((i + k) % 4),
      attendedAt: k === 5 ? null : new Date(startsAt.getTime() + 6 * 3_600_000),
    }));
    return {
      _id: oid(code, 10, i),
      title,
      kind: kind as EventKind,
      description: null,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 6 * 3_600_000),
      location: `${region.name.ru}, ${pick(DISTRICTS)}`,
      onlineUrl: null,
      capacity: 30,
      spotsLeft: 30 - participants.length,
      organisationId: organisationId(i % 2 ? 3 : 2),
      status: EventStatus.SCHEDULED,
      cancelReason: null,
      participants,
      createdAt: new Date(startsAt.getTime() - 10 * day),
      updatedAt: startsAt,
    };
  });
  if (held.length) await eventsOf(db).insertMany(held);

  return {
    volunteers: volunteers.length,
    beneficiaries: beneficiaries.length,
    helpRequests: requests.length,
    warehouses: sizes.warehouses,
    events: events.length,
    pastHelpRequests: past.length,
    pastEvents: held.length,
  };
}
