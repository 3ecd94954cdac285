// The region workspace (households, stock, events) in a real browser against the seeded system,
// as KZ-75's staff: a food kit handed to a household lowers the stock on the page and in the
// graph by exactly one, and asking for more than the warehouse holds is refused by the quantity
// and changes nothing; a donation is refused until the donor's kind is chosen, and one whose
// answer comes too late is stored once (its key kept until it is stored; changed after, the page
// says it was recorded and shows it); a household enrolled with consent is found by the graph's
// search (name or part of its phone, 20 households at most per read), one without consent is
// refused and not stored; an event is created and a volunteer signed up takes one spot. Each
// page is accessible and fully in Kazakh. A transfer is cancelled only once confirmed (focus on
// the question, then back); with the staff's own region not answering, the pages show the banner
// and nothing that reads as empty.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import common from "../../console/src/locales/common.js";
import events from "../../console/src/locales/events.js";
import households from "../../console/src/locales/households.js";
import stock from "../../console/src/locales/stock.js";
import { ALL_REGIONS, chooseLanguage, englishLeft, screenshot, seriousViolations, signInWithToken } from "../support/console.js";
import { makeIin } from "../support/iin.js";
import { answerLate, graphRequests, householdReads, keysSent, staffSuite, type GraphRequest } from "./staff-pages.js";

const REGION = "KZ-75";

const suite = staffSuite({ sub: "staff-75", role: "REGIONAL_STAFF", region: REGION });
const { graph, open } = suite;

interface WarehouseState {
  id: string;
  name: string;
  foodKits: number;
  movements: number;
}

async function firstWarehouse(): Promise<WarehouseState> {
  const data = await graph<{ region: { warehouses: { nodes: Array<{ id: string }> } } }>(
    `query ($code: String!) { region(code: $code) { warehouses(first: 1) { nodes { id } } } }`,
    { code: REGION },
  );
  return warehouse(data.region.warehouses.nodes[0].id);
}

/** A warehouse as the graph stores it: its food kits and how many ledger entries it has. */
async function warehouse(id: string): Promise<WarehouseState> {
  const data = await graph<{
    warehouse: { id: string; name: string; stock: Array<{ item: string; quantity: number }>; movements: { totalCount: number } };
  }>(`query ($id: ID!) { warehouse(id: $id) { id name stock { item quantity } movements(first: 1) { totalCount } } }`, { id });
  const w = data.warehouse;
  return { id: w.id, name: w.name, foodKits: w.stock.find((s) => s.item === "FOOD_KIT")?.quantity ?? 0, movements: w.movements.totalCount };
}

async function activeHouseholds(): Promise<Array<{ id: string; fullName: string }>> {
  const data = await graph<{ region: { beneficiaries: { nodes: Array<{ id: string; fullName: string }> } } }>(
    `query ($code: String!) { region(code: $code) { beneficiaries(first: 5, filter: { status: ACTIVE }) { nodes { id fullName } } } }`,
    { code: REGION },
  );
  return data.region.beneficiaries.nodes;
}

async function distributionsTo(householdId: string): Promise<number> {
  const data = await graph<{ beneficiary: { distributions: unknown[] } }>(
    `query ($id: ID!) { beneficiary(id: $id) { distributions(first: 100) { id } } }`,
    { id: householdId },
  );
  return data.beneficiary.distributions.length;
}

async function householdCount(): Promise<number> {
  const data = await graph<{ region: { beneficiaries: { totalCount: number } } }>(
    `query ($code: String!) { region(code: $code) { beneficiaries(first: 1) { totalCount } } }`,
    { code: REGION },
  );
  return data.region.beneficiaries.totalCount;
}

/** The food kits a warehouse's table shows. */
const foodKitsShown = async (page: Page, warehouseName: string): Promise<number> =>
  Number(
    await page
      .getByRole("table", { name: warehouseName })
      .getByRole("row", { name: /^Food kit/ })
      .getByRole("cell")
      .first()
      .innerText(),
  );

/** Fills the "Give aid" form: from a warehouse, to a household found by name, food kits. */
async function giveFoodKits(form: Locator, w: WarehouseState, household: { id: string; fullName: string }, quantity: number) {
  await form.getByLabel("Warehouse", { exact: true }).selectOption(w.id);
  await form.getByLabel("Find a household by name or phone").fill(household.fullName);
  // Offered once the graph has answered the search.
  await form.locator(`option[value="${household.id}"]`).waitFor({ state: "attached" });
  await form.getByLabel("Household", { exact: true }).selectOption(household.id);
  await form.getByLabel("Item", { exact: true }).selectOption({ label: "Food kit" });
  await form.getByLabel("Quantity", { exact: true }).fill(String(quantity));
  await form.getByRole("button", { name: "Give aid" }).click();
}

describe("stock", () => {
  it("hands one food kit to a household: the page and the graph hold exactly one less", async () => {
    const before = await firstWarehouse();
    const [household] = await activeHouseholds();
    let sent: GraphRequest[] = [];
    const page = await open("Stock", "Warehouses", (p) => (sent = graphRequests(p)));
    expect(await foodKitsShown(page, before.name)).toBe(before.foodKits);

    const form = page.getByRole("region", { name: "Give aid to a household" });
    await giveFoodKits(form, before, household, 1);
    await form
      .getByRole("status")
      .filter({ hasText: `Given: Food kit × 1 to ${household.fullName}.` })
      .waitFor();

    await expect.poll(() => foodKitsShown(page, before.name)).toBe(before.foodKits - 1);
    const after = await warehouse(before.id);
    expect(after.foodKits).toBe(before.foodKits - 1);
    // The household was searched for, never picked from a bulk read of the register.
    const reads = householdReads(sent).map((r) => r.first);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((first) => first > 20)).toEqual([]);
    await page.close();
  });

  it("refuses to hand out more than the warehouse holds, by the quantity, and changes nothing", async () => {
    const before = await firstWarehouse();
    const household = (await activeHouseholds())[1];
    const given = await distributionsTo(household.id);
    const page = await open("Stock", "Warehouses");

    const form = page.getByRole("region", { name: "Give aid to a household" });
    await giveFoodKits(form, before, household, before.foodKits + 1);
    const quantity = form.getByLabel("Quantity", { exact: true });
    await expect.poll(() => quantity.getAttribute("aria-invalid")).toBe("true");
    // The graph's own words, the item by its label.
    const error = form.getByRole("alert").filter({ hasText: "insufficient stock" });
    expect(await error.innerText()).toContain(`Food kit in ${before.name}: requested ${before.foodKits + 1}, available ${before.foodKits}`);
    expect(await page.locator("main").innerText()).not.toContain("FOOD_KIT");

    expect(await warehouse(before.id)).toEqual(before);
    expect(await distributionsTo(household.id)).toBe(given);
    expect(await foodKitsShown(page, before.name)).toBe(before.foodKits);
    await page.close();
  });
});

describe("a donation answered too late", () => {
  it("is stored once: sent again unchanged it is that donation; changed, the page says it was recorded and shows it", async () => {
    const before = await firstWarehouse();
    let sent: GraphRequest[] = [];
    const page = await open("Stock", "Warehouses", (p) => (sent = graphRequests(p)));
    const form = page.getByRole("region", { name: "Receive a donation" });
    const kind = form.getByLabel("The donor is");
    const submit = form.getByRole("button", { name: "Receive donation" });
    const fill = async (quantity: number) => {
      await form.getByLabel("Warehouse", { exact: true }).selectOption(before.id);
      await form.getByLabel("Quantity", { exact: true }).fill(String(quantity));
      await form.getByLabel("Donor", { exact: true }).fill("Береке ЖШС");
    };
    const alert = (text: string) => form.getByRole("alert").filter({ hasText: text }).waitFor();

    // Whether the donor is a private person is never assumed: without the choice the graph refuses, by it.
    await fill(3);
    expect(await kind.inputValue()).toBe("");
    await submit.click();
    await expect.poll(() => kind.getAttribute("aria-invalid")).toBe("true");
    expect(await warehouse(before.id)).toEqual(before);

    // Stored, but the page hears only that the region did not answer in time.
    await kind.selectOption({ label: "An organisation" });
    const stored = await answerLate(page, "ConsoleReceiveDonation", REGION);
    await submit.click();
    await alert("may have been recorded all the same");
    expect(await stored()).not.toHaveProperty("errors");
    expect((await warehouse(before.id)).foodKits).toBe(before.foodKits + 3);
    // Sent again unchanged, it is that donation: nothing is added twice.
    await submit.click();
    await form
      .getByRole("status")
      .filter({ hasText: `Received: Food kit × 3 into ${before.name}.` })
      .waitFor();
    expect(await warehouse(before.id)).toEqual({ ...before, foodKits: before.foodKits + 3, movements: before.movements + 1 });
    await expect.poll(() => foodKitsShown(page, before.name)).toBe(before.foodKits + 3);

    // The next donation, answered too late too, is changed before it is sent again: the graph
    // holds the first values under its key, and the page says so and shows the stock with them.
    await fill(2);
    await kind.selectOption({ label: "An organisation" });
    const late = await answerLate(page, "ConsoleReceiveDonation", REGION);
    await submit.click();
    await late();
    await alert("may have been recorded all the same");
    await form.getByLabel("Quantity", { exact: true }).fill("4");
    await submit.click();
    await alert("An earlier submission of this form, with other values, was already recorded");
    await expect.poll(() => foodKitsShown(page, before.name)).toBe(before.foodKits + 5);
    expect((await warehouse(before.id)).movements).toBe(before.movements + 2);
    // Sent once more, it is a new donation, as the person now means.
    await submit.click();
    await form.getByRole("status").filter({ hasText: "Received: Food kit × 4" }).waitFor();
    expect(await warehouse(before.id)).toEqual({ ...before, foodKits: before.foodKits + 9, movements: before.movements + 3 });

    // One key until the donation was stored (refused, late, again), a new one after; one for the
    // second until the graph said it was recorded; then a third.
    const keys = keysSent(sent, "ConsoleReceiveDonation");
    const [first, second, third] = [keys[0], keys[3], keys[5]];
    expect(keys).toEqual([first, first, first, second, second, third]);
    expect(new Set([first, second, third]).size).toBe(3);
    await page.close();
  });
});

describe("transfers", () => {
  it("sends food kits to another region, whose staff receive them into their warehouse", async () => {
    const to = ALL_REGIONS.find((code) => code !== REGION)!;
    const { region: destination } = await graph<{ region: { name: string; warehouses: { nodes: Array<{ id: string }> } } }>(
      `query ($code: String!) { region(code: $code) { name(lang: EN) warehouses(first: 1) { nodes { id } } } }`,
      { code: to },
    );
    const source = await firstWarehouse();
    const target = await warehouse(destination.warehouses.nodes[0].id);

    const page = await open("Stock", "Warehouses");
    const form = page.getByRole("region", { name: "Transfer to another region" });
    await form.getByLabel("From warehouse").selectOption(source.id);
    await form.getByLabel("To region").selectOption({ label: destination.name });
    await form.getByLabel("To warehouse").selectOption(target.id);
    await form.getByLabel("Quantity", { exact: true }).fill("2");
    await form.getByRole("button", { name: "Send transfer" }).click();
    await form.getByRole("status").filter({ hasText: "Sent: Food kit × 2" }).waitFor();
    await expect.poll(() => foodKitsShown(page, source.name)).toBe(source.foodKits - 2);
    const outgoing = page.getByRole("region", { name: "Outgoing transfers" });
    await outgoing.getByRole("row").filter({ hasText: destination.name }).filter({ hasText: "Food kit × 2" }).waitFor();
    await page.close();

    // The destination's staff see it coming once the source has announced it, and receive it.
    const theirs = await suite.system.newPage();
    await signInWithToken(
      theirs,
      suite.system.origin,
      await suite.system.token({ sub: `staff-${to}`, role: "REGIONAL_STAFF", region: to }),
    );
    await theirs.getByRole("link", { name: "Stock", exact: true }).click();
    const receive = theirs.getByRole("region", { name: "Incoming transfers" }).getByRole("button", { name: "Receive Food kit × 2" });
    await expect
      .poll(async () => {
        await theirs.getByRole("button", { name: "Refresh" }).click();
        return receive.count();
      })
      .toBe(1);
    await receive.click();
    await expect.poll(() => foodKitsShown(theirs, target.name)).toBe(target.foodKits + 2);
    await expect.poll(() => theirs.evaluate<string>(`document.activeElement?.textContent ?? ""`)).toBe("Incoming transfers");
    expect((await warehouse(target.id)).foodKits).toBe(target.foodKits + 2);
    expect((await warehouse(source.id)).foodKits).toBe(source.foodKits - 2);
    await theirs.close();
  });
});

describe("cancelling a transfer", () => {
  it("asks first (Keep goes back to the button), then cancels: the stock returns to the warehouse", async () => {
    const to = ALL_REGIONS.filter((code) => code !== REGION).at(-1)!;
    const { region: destination } = await graph<{ region: { name: string; warehouses: { nodes: Array<{ id: string }> } } }>(
      `query ($code: String!) { region(code: $code) { name(lang: EN) warehouses(first: 1) { nodes { id } } } }`,
      { code: to },
    );
    const source = await firstWarehouse();
    await graph(`mutation ($input: TransferStockInput!) { transferStock(input: $input) { id } }`, {
      input: {
        fromWarehouseId: source.id,
        toWarehouseId: destination.warehouses.nodes[0].id,
        items: [{ item: "FOOD_KIT", quantity: 1 }],
        idempotencyKey: `cancel-${Date.now()}`,
      },
    });
    const page = await open("Stock", "Warehouses");
    await expect.poll(() => foodKitsShown(page, source.name)).toBe(source.foodKits - 1);
    const outgoing = page.getByRole("region", { name: "Outgoing transfers" });
    const row = outgoing.getByRole("row").filter({ hasText: destination.name }).filter({ hasText: "Food kit × 1" });
    const cancel = row.getByRole("button", { name: "Cancel transfer Food kit × 1" });
    const focused = () => page.evaluate<string>(`document.activeElement?.textContent ?? ""`);

    // The first click only asks, and the question takes the focus; Keep changes nothing.
    await cancel.click();
    await row.getByText("Cancel this transfer?").waitFor();
    await expect.poll(focused).toBe("Confirm cancellation");
    await row.getByRole("button", { name: "Keep the transfer" }).click();
    await expect.poll(focused).toContain("Cancel transfer");
    expect((await warehouse(source.id)).foodKits).toBe(source.foodKits - 1);

    await cancel.click();
    await row.getByRole("button", { name: "Confirm cancellation" }).click();
    await expect.poll(() => foodKitsShown(page, source.name)).toBe(source.foodKits);
    expect((await warehouse(source.id)).foodKits).toBe(source.foodKits);
    // The row's buttons are gone; the reader is at the list, not the page's start.
    await expect.poll(focused).toBe("Outgoing transfers");
    await page.close();
  });
});

describe("households", () => {
  it("enrols a household only with consent, finds it by search, and erases it when consent is withdrawn", async () => {
    const before = await householdCount();
    const name = `Семья Тестовых ${Date.now()}`;
    const iin = makeIin(new Date(Date.UTC(1991, 2, 15)), 4, 4321);
    let sent: GraphRequest[] = [];
    const page = await open("Households", "Enrol a household", (p) => (sent = graphRequests(p)));
    const form = page.getByRole("region", { name: "Enrol a household" });
    await form.getByLabel("Full name").fill(name);
    await form.getByLabel("People in household").fill("4");
    await form.getByLabel("National ID (IIN)").fill(iin);
    await form.getByLabel("Phone").fill("+77015550123");
    await form.getByLabel("District or settlement").fill("Алатауский район");
    await form.getByRole("group", { name: "Needs" }).getByLabel("Food").check();
    await form.getByLabel("Purpose of use").fill("продуктовая помощь");

    // Without consent: the graph refuses, by the consent, and stores nothing.
    await form.getByRole("button", { name: "Enrol household" }).click();
    const consent = form.getByLabel(/^The household consents/);
    await expect.poll(() => consent.getAttribute("aria-invalid")).toBe("true");
    expect(await form.getByRole("alert").innerText()).toContain("consent must be given");
    expect(await householdCount()).toBe(before);

    await consent.check();
    await form.getByRole("button", { name: "Enrol household" }).click();
    await form
      .getByRole("status")
      .filter({ hasText: `${name} is enrolled.` })
      .waitFor();
    expect(await householdCount()).toBe(before + 1);
    // The national ID is never shown back, not even in the form it was typed into.
    expect(await form.getByLabel("National ID (IIN)").inputValue()).toBe("");
    expect(await page.locator("main").innerText()).not.toContain(iin);

    const search = page.getByRole("region", { name: "Find a household" });
    await search.getByLabel("Need", { exact: true }).selectOption({ label: "Food" });
    const text = search.getByLabel("Name or phone contains");
    await text.fill("тестовых");
    await expect.poll(() => search.getByRole("rowheader").allInnerTexts()).toEqual([name]);
    await search.getByText("Households found: 1").waitFor();
    // Part of its phone, as read out with a space, finds it too; the need filter still applies.
    await text.fill("555 0123");
    await search.getByLabel("Need", { exact: true }).selectOption({ label: "Shelter" });
    await search.getByText("No household found.").waitFor();
    await search.getByLabel("Need", { exact: true }).selectOption({ label: "Food" });
    await expect.poll(() => search.getByRole("rowheader").allInnerTexts()).toEqual([name]);
    const reads = householdReads(sent).map((r) => r.first);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((first) => first > 20)).toEqual([]);
    await search.getByRole("button", { name }).click();
    const detail = page.getByRole("region", { name });
    await detail.getByText("+77015550123").waitFor();
    expect(await detail.innerText()).toContain("продуктовая помощь");

    // Withdrawing consent asks first, then erases the personal data.
    const { region } = await graph<{ region: { beneficiaries: { nodes: Array<{ id: string; fullName: string }> } } }>(
      `query ($code: String!) { region(code: $code) { beneficiaries(first: 1) { nodes { id fullName } } } }`,
      { code: REGION },
    );
    expect(region.beneficiaries.nodes[0].fullName).toBe(name);
    await detail.getByRole("button", { name: "Withdraw consent…" }).click();
    await detail.getByText("erases this household's personal data for good").waitFor();
    await detail.getByRole("button", { name: "Withdraw consent and erase data" }).click();
    await page.getByRole("heading", { name: "Personal data erased", level: 2 }).waitFor();
    // The consent's buttons are gone; the reader stays on the record.
    await expect.poll(() => page.evaluate<string>(`document.activeElement?.textContent ?? ""`)).toBe("Personal data erased");
    const { beneficiary } = await graph<{ beneficiary: { status: string; fullName: string | null; phone: string | null } }>(
      `query ($id: ID!) { beneficiary(id: $id) { status fullName phone } }`,
      { id: region.beneficiaries.nodes[0].id },
    );
    expect(beneficiary).toEqual({ status: "CONSENT_WITHDRAWN", fullName: null, phone: null });
    await page.close();
  });
});

describe("events", () => {
  it("creates an event and signs up a volunteer, who takes one spot", async () => {
    const data = await graph<{ region: { volunteers: { nodes: Array<{ id: string; fullName: string }> } } }>(
      `query ($code: String!) { region(code: $code) { volunteers(first: 1, filter: { status: ACTIVE }) { nodes { id fullName } } } }`,
      { code: REGION },
    );
    const volunteer = data.region.volunteers.nodes[0];
    const title = `Курс первой помощи ${Date.now()}`;
    // datetime-local in the browser's own time: three days ahead, for three hours.
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    const starts = new Date(Date.now() + 3 * 86_400_000);
    const page = await open("Events", "Create an event");
    const form = page.getByRole("region", { name: "Create an event" });
    await form.getByLabel("Title").fill(title);
    await form.getByLabel("Kind").selectOption({ label: "Training" });
    await form.getByLabel("Starts").fill(local(starts));
    await form.getByLabel("Ends").fill(local(new Date(starts.getTime() + 3 * 3_600_000)));
    await form.getByLabel("Capacity").fill("12");
    await form.getByLabel("Location", { exact: true }).fill("Алматы, Дом волонтёров");
    await form.getByRole("button", { name: "Create event" }).click();

    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: title }) });
    const spotsLeft = () => row.getByTestId("spots-left").innerText();
    await expect.poll(spotsLeft).toBe("12");
    const detail = page.getByRole("region", { name: title });
    await detail.getByLabel("Find volunteer by name").fill(volunteer.fullName);
    await detail.getByLabel("Volunteer to sign up").selectOption(volunteer.id);
    await detail.getByRole("button", { name: "Sign up", exact: true }).click();

    await expect.poll(spotsLeft).toBe("11");
    await detail.getByRole("cell", { name: volunteer.fullName }).waitFor();
    const { region } = await graph<{
      region: { events: { nodes: Array<{ title: string; spotsLeft: number; participants: Array<{ id: string }> }> } };
    }>(
      `query ($code: String!, $from: DateTimeISO!) { region(code: $code) { events(from: $from, first: 100) { nodes { title spotsLeft participants { id } } } } }`,
      { code: REGION, from: new Date().toISOString() },
    );
    const stored = region.events.nodes.find((e) => e.title === title)!;
    expect(stored.spotsLeft).toBe(11);
    expect(stored.participants.map((p) => p.id)).toEqual([volunteer.id]);
    await page.close();
  });
});

describe("the workspace pages", () => {
  // Households and events with the first one opened, so that its record is checked too.
  const pages = [
    { name: "Households", ready: "Find a household", kk: "Отбасын іздеу", shot: "households", opens: "Close" },
    { name: "Stock", ready: "Warehouses", kk: "Қоймалар", shot: "stock", opens: null },
    { name: "Events", ready: "Events of the region", kk: "Өңірдің іс-шаралары", shot: "events", opens: "Close" },
  ] as const;

  it("are accessible and, in Kazakh, show no English label", async () => {
    for (const p of pages) {
      const page = await open(p.name, p.ready);
      // The graph's answer is on the page: a table of households, warehouses or events.
      await page.getByRole("table").first().waitFor();
      if (p.opens) {
        await page.getByRole("rowheader").first().getByRole("button").click();
        const record = page.getByRole("region").filter({ has: page.getByRole("button", { name: p.opens }) });
        await record.getByRole("heading", { level: 3 }).first().waitFor();
      }
      expect(await seriousViolations(page), p.name).toEqual([]);
      await screenshot(page, p.shot);

      await chooseLanguage(page, "kk");
      await page.getByRole("heading", { name: p.kk, exact: true }).waitFor();
      await page.getByRole("table").first().waitFor();
      expect(await englishLeft(page, [common, households, stock, events]), p.name).toEqual([]);
      await screenshot(page, `${p.shot}-kk`);
      await page.close();
    }
  });
});

describe("the staff's own region not answering", () => {
  it("shows the banner naming it, and nothing that reads as empty: no low stock, warehouses, events or households", async () => {
    suite.system.setDown(REGION, true);
    try {
      const page = await suite.system.newPage();
      await signInWithToken(page, suite.system.origin, suite.token);
      const main = page.locator("main");
      const banner = page.getByTestId("region-unavailable");
      const says = async (link: string) => {
        await page.getByRole("link", { name: link, exact: true }).click();
        await banner.filter({ hasText: "Almaty" }).filter({ hasText: "not known to be empty" }).waitFor();
      };

      await says("Stock");
      expect(await main.innerText()).not.toContain("No item is below its threshold");
      expect(await page.getByRole("heading", { name: "Warehouses" }).count()).toBe(0);
      expect(await page.getByRole("region", { name: "Give aid to a household" }).count()).toBe(0);

      await says("Events");
      await page.getByRole("heading", { name: "Events of the region" }).waitFor();
      expect(await main.innerText()).not.toContain("No events.");

      await says("Households");
      const search = page.getByRole("region", { name: "Find a household" });
      const answered = page.waitForResponse(
        (r) => r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes('"search":"ан"'),
      );
      await search.getByLabel("Name or phone contains").fill("ан");
      await answered;
      await expect.poll(() => search.getByText("Loading").count()).toBe(0);
      expect(await main.innerText()).not.toContain("No household found");
      expect(await search.getByRole("table").count()).toBe(0);
      await page.close();
    } finally {
      suite.system.setDown(REGION, false);
    }
  });
});
