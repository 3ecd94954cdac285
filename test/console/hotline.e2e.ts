// The hotline and the volunteer view in a real browser against the seeded system: a call taken
// by KZ-75's staff, triaged and assigned to a volunteer with the skill it needs, who starts and
// fulfils it from their own page; the graph's history holds every step. A bad phone number is
// refused next to its field and opens nothing; a call whose answer comes too late is opened once
// (changed and sent again, the page says it was recorded and the queue shows it); a known
// household is found by the graph's search (part of its phone) without the page reading the
// region's households in bulk; both pages are accessible and fully in Kazakh.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import common from "../../console/src/locales/common.js";
import hotline from "../../console/src/locales/hotline.js";
import households from "../../console/src/locales/households.js";
import volunteer from "../../console/src/locales/volunteer.js";
import { chooseLanguage, englishLeft, screenshot, seriousViolations, signInWithToken } from "../support/console.js";
import { answerLate, graphRequests, householdReads, keysSent, staffSuite, type GraphRequest } from "./staff-pages.js";

const REGION = "KZ-75";
/** How long the page may take to show what the graph stored (the machine may be busy). */
const SOON = { timeout: 10_000 };

const suite = staffSuite({ sub: "operator-75", role: "REGIONAL_STAFF", region: REGION });
const { graph } = suite;

/** Every help request of the region, whatever its status. */
async function requestCount(): Promise<number> {
  const data = await graph<{ region: { helpRequests: { totalCount: number } } }>(
    `query ($code: String!) { region(code: $code) { helpRequests(first: 1) { totalCount } } }`,
    { code: REGION },
  );
  return data.region.helpRequests.totalCount;
}

async function hotlinePage(watch?: (page: Page) => void): Promise<Page> {
  const page = await suite.open("Hotline", "New call", watch);
  // The queue has been read.
  await page.getByTestId("queue-count").waitFor();
  return page;
}

async function volunteerPage(volunteerId: string): Promise<Page> {
  const page = await suite.system.newPage();
  await signInWithToken(page, suite.system.origin, await suite.system.token({ sub: volunteerId, role: "VOLUNTEER" }));
  await page.getByRole("heading", { name: "Requests assigned to me" }).waitFor();
  return page;
}

/** The status a request's card shows. */
const statusOf = (card: Locator) => card.getByRole("list", { name: "Summary" }).locator("li").first().innerText();

/** What has keyboard focus: "body", or its tag, the request card it is in, and its text. */
const focused = (page: Page) =>
  page.evaluate<string>(`(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return "body";
    return [e.tagName, e.closest("article")?.getAttribute("data-request") ?? "", e.textContent.trim()].join("|");
  })()`);

/** Presses Tab until `text` (a button's) has focus, as a keyboard user would; at most 20 times. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 20 && !(await focused(page)).endsWith(`|${text}`); i++) await page.keyboard.press("Tab");
  expect(await focused(page)).toMatch(new RegExp(`\\|${text}$`));
}

describe("the hotline", () => {
  it("takes a call, triages it and assigns a matching volunteer, who starts and fulfils it; the history holds each step", async () => {
    const { region } = await graph<{ region: { beneficiaries: { nodes: Array<{ id: string; fullName: string }> } } }>(
      `query ($code: String!) { region(code: $code) { beneficiaries(first: 3) { nodes { id fullName } } } }`,
      { code: REGION },
    );
    const household = region.beneficiaries.nodes[2];
    const before = await requestCount();
    const page = await hotlinePage();
    const intake = page.getByRole("region", { name: "New call" });

    // The call: a known household, found by its name.
    const description = `Инсулин для пожилой соседки, звонок ${Date.now()}`;
    await intake.getByLabel("Need", { exact: true }).selectOption({ label: "Medicine" });
    await intake.getByLabel("Urgency", { exact: true }).selectOption({ label: "Critical" });
    await intake.getByLabel("Caller's phone").fill("+7 701 555 01 99");
    await intake.getByLabel("Description", { exact: true }).fill(description);
    await intake.getByLabel("Find a household by name or phone").fill(household.fullName);
    const choice = intake.getByLabel("Household", { exact: true });
    await expect.poll(() => choice.locator(`option[value="${household.id}"]`).count(), SOON).toBe(1);
    await choice.selectOption(household.id);
    // A double click opens one request: both submissions carry the form's idempotency key.
    await intake.getByRole("button", { name: "Open request" }).dblclick();
    await intake.getByRole("status").filter({ hasText: "Request opened: Medicine, Critical." }).waitFor();
    expect(await requestCount()).toBe(before + 1);
    // The form is empty again for the next call.
    expect(await intake.getByLabel("Description", { exact: true }).inputValue()).toBe("");

    const card = page.getByRole("article").filter({ hasText: description });
    await card.waitFor();
    const id = (await card.getAttribute("data-request"))!;
    expect(await statusOf(card)).toBe("New");
    expect(await card.innerText()).toContain(household.fullName);

    await card.getByRole("button", { name: "Triage" }).click();
    await card.getByLabel("Triage note").fill("Проверено: нужен инсулин сегодня");
    await card.getByRole("button", { name: "Save triage" }).click();
    await expect.poll(() => statusOf(card), SOON).toBe("Triaged");

    // The skill offered first is the one the need calls for; the list is the graph's matches.
    await card.getByRole("button", { name: "Assign a volunteer" }).click();
    expect(await card.getByLabel("Skill", { exact: true }).inputValue()).toBe("MEDICAL");
    const pick = card.getByLabel("Volunteer", { exact: true });
    await expect.poll(() => pick.inputValue(), SOON).not.toBe("");
    const volunteerId = await pick.inputValue();
    await card.getByRole("button", { name: "Assign", exact: true }).click();
    await expect.poll(() => statusOf(card), SOON).toBe("Assigned");
    await screenshot(page, "hotline");

    const { volunteer: chosen } = await graph<{ volunteer: { status: string; skills: string[]; fullName: string } }>(
      `query ($id: ID!) { volunteer(id: $id) { status skills fullName } }`,
      { id: volunteerId },
    );
    expect(chosen.status).toBe("ACTIVE");
    expect(chosen.skills).toContain("MEDICAL");
    expect(await card.innerText()).toContain(chosen.fullName);

    // The volunteer, on their own page.
    const mine = await volunteerPage(volunteerId);
    const assigned = mine.getByRole("article").filter({ hasText: description });
    await assigned.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => statusOf(assigned), SOON).toBe("In progress");
    await assigned.getByRole("button", { name: "Mark fulfilled" }).click();
    await assigned.getByLabel("Note", { exact: true }).fill("Лекарство доставлено");
    await assigned.getByRole("button", { name: "Confirm fulfilled" }).click();
    // Done, it moves to the finished requests.
    await mine.getByText(/^Finished requests/).click();
    await expect.poll(() => statusOf(mine.getByRole("article").filter({ hasText: description })), SOON).toBe("Fulfilled");
    await screenshot(mine, "volunteer");

    const { helpRequest } = await graph<{
      helpRequest: {
        status: string;
        need: string;
        urgency: string;
        contactPhone: string;
        beneficiary: { id: string };
        assignedVolunteer: { id: string };
        history: Array<{ from: string | null; to: string; actor: string; note: string | null }>;
      };
    }>(
      `query ($id: ID!) { helpRequest(id: $id) { status need urgency contactPhone beneficiary { id } assignedVolunteer { id }
        history { from to actor note } } }`,
      { id },
    );
    expect(helpRequest).toMatchObject({
      status: "FULFILLED",
      need: "MEDICINE",
      urgency: "CRITICAL",
      contactPhone: "+77015550199",
      beneficiary: { id: household.id },
      assignedVolunteer: { id: volunteerId },
    });
    expect(helpRequest.history.map((h) => [h.from, h.to, h.actor, h.note])).toEqual([
      [null, "NEW", "REGIONAL_STAFF:operator-75", null],
      ["NEW", "TRIAGED", "REGIONAL_STAFF:operator-75", "Проверено: нужен инсулин сегодня"],
      ["TRIAGED", "ASSIGNED", "REGIONAL_STAFF:operator-75", null],
      ["ASSIGNED", "IN_PROGRESS", `VOLUNTEER:${volunteerId}`, null],
      ["IN_PROGRESS", "FULFILLED", `VOLUNTEER:${volunteerId}`, "Лекарство доставлено"],
    ]);
  }, 60_000);

  it("finds a caller's household by part of its phone, asking the graph for 20 households at most", async () => {
    const { region } = await graph<{ region: { beneficiaries: { nodes: Array<{ id: string; phone: string }> } } }>(
      `query ($code: String!) { region(code: $code) { beneficiaries(first: 5, filter: { status: ACTIVE }) { nodes { id phone } } } }`,
      { code: REGION },
    );
    const household = region.beneficiaries.nodes[4];
    // Its last seven digits, typed with a space as a caller reads them out.
    const digits = household.phone.slice(-7);
    const typed = `${digits.slice(0, 3)} ${digits.slice(3)}`;
    let sent: GraphRequest[] = [];
    const page = await suite.open("Hotline", "New call", (p) => (sent = graphRequests(p)));
    const intake = page.getByRole("region", { name: "New call" });
    const search = intake.getByLabel("Find a household by name or phone");
    await search.fill(typed);
    const choice = intake.getByLabel("Household", { exact: true });
    await expect.poll(() => choice.locator(`option[value="${household.id}"]`).count(), SOON).toBe(1);
    await choice.selectOption(household.id);
    expect(await choice.locator("option:checked").innerText()).toContain(household.phone);
    await intake.getByText(/^Households found: [1-9]/).waitFor();

    // Text the graph refuses: its message next to the search box, the household chosen kept.
    await search.fill("а".repeat(101));
    const error = intake.locator(".field", { has: page.getByLabel("Find a household by name or phone") }).getByRole("alert");
    await error.waitFor(SOON);
    expect(await error.innerText()).toMatch(/filter\.search: must be at most 100 characters/);
    expect(await search.getAttribute("aria-invalid")).toBe("true");
    expect(await choice.inputValue()).toBe(household.id);

    // Nothing that matches: said so.
    await search.fill("Нет такой семьи");
    await intake.getByText("No household found.").waitFor(SOON);

    // Every read of households was a search of 20 at most: none loaded the region's register.
    const reads = householdReads(sent);
    expect(reads.map((r) => r.search)).toEqual(expect.arrayContaining([typed, "Нет такой семьи"]));
    expect(reads.filter((r) => r.first > 20 || typeof r.search !== "string" || r.search.length < 2)).toEqual([]);
    await page.close();
  });

  it("opens a call answered too late once; changed and sent again, says it was recorded and shows it in the queue", async () => {
    const before = await requestCount();
    let sent: GraphRequest[] = [];
    const page = await hotlinePage((p) => (sent = graphRequests(p)));
    const intake = page.getByRole("region", { name: "New call" });
    const submit = intake.getByRole("button", { name: "Open request" });
    const alert = (text: string) => intake.getByRole("alert").filter({ hasText: text }).waitFor(SOON);
    const description = `Нет воды в доме, звонок ${Date.now()}`;
    await intake.getByLabel("Urgency", { exact: true }).selectOption({ label: "Critical" });
    await intake.getByLabel("Description", { exact: true }).fill(description);

    // The region stores the request, but the page hears only that it did not answer in time.
    const stored = await answerLate(page, "OpenHelpRequest", REGION);
    await submit.click();
    await alert("may have been recorded all the same");
    expect(await stored()).not.toHaveProperty("errors");
    expect(await requestCount()).toBe(before + 1);

    // The operator adds the caller's phone and sends again: the graph holds the first values
    // under the form's key, so the page says it was recorded, and the queue shows it.
    await intake.getByLabel("Caller's phone").fill("+7 701 555 02 11");
    await submit.click();
    await alert("An earlier submission of this form, with other values, was already recorded");
    await page.getByRole("article").filter({ hasText: description }).waitFor(SOON);
    expect(await requestCount()).toBe(before + 1);

    // Sent once more, it opens a new request, as the operator now means: a new key.
    await submit.click();
    await intake.getByRole("status").filter({ hasText: "Request opened: Food, Critical." }).waitFor(SOON);
    expect(await requestCount()).toBe(before + 2);
    const keys = keysSent(sent, "OpenHelpRequest");
    expect(keys).toEqual([keys[0], keys[0], keys[2]]);
    expect(keys[2]).not.toBe(keys[0]);
    await page.close();
  });

  it("shows the graph's refusal of a bad phone number next to the phone field and opens nothing", async () => {
    const before = await requestCount();
    const page = await hotlinePage();
    await page.getByLabel("Description", { exact: true }).fill("Звонок с неполным номером");
    const phone = page.getByLabel("Caller's phone");
    await phone.fill("8 701 12");
    await page.getByRole("button", { name: "Open request" }).click();
    const error = page.locator(".field", { has: phone }).getByRole("alert");
    await error.waitFor();
    expect(await error.innerText()).toMatch(/contactPhone: not a valid phone number/);
    expect(await phone.getAttribute("aria-invalid")).toBe("true");
    expect(await phone.getAttribute("aria-describedby")).toContain(await error.getAttribute("id"));
    // What was typed stays, to be corrected; nothing was opened.
    expect(await phone.inputValue()).toBe("8 701 12");
    expect(await page.getByRole("status").filter({ hasText: "Request opened" }).count()).toBe(0);
    expect(await requestCount()).toBe(before);
  });

  it("cancels a request only with a reason: the graph's refusal of none shows next to the reason", async () => {
    const page = await hotlinePage();
    const id = (await page.getByRole("article").first().getAttribute("data-request"))!;
    const card = page.locator(`article[data-request="${id}"]`);
    await card.getByRole("button", { name: "Cancel request" }).click();
    await card.getByRole("button", { name: "Confirm cancellation" }).click();
    const reason = card.getByLabel("Reason (required)");
    // (`has` reads its locator inside each field: one from the page, not from the card.)
    const error = card.locator(".field", { has: page.getByLabel("Reason (required)") }).getByRole("alert");
    await error.waitFor();
    expect(await error.innerText()).toMatch(/reason: must not be empty/);

    await reason.fill("Звонящий отказался от помощи");
    await card.getByRole("button", { name: "Confirm cancellation" }).click();
    // Cancelled, it leaves the open queue; the graph keeps the reason.
    await expect.poll(() => card.count(), SOON).toBe(0);
    const { helpRequest } = await graph<{ helpRequest: { status: string; history: Array<{ to: string; note: string | null }> } }>(
      `query ($id: ID!) { helpRequest(id: $id) { status history { to note } } }`,
      { id },
    );
    expect(helpRequest.status).toBe("CANCELLED");
    expect(helpRequest.history.at(-1)).toEqual({ to: "CANCELLED", note: "Звонящий отказался от помощи" });
  });

  it("says when no request matches the queue's filters, rather than counting nothing", async () => {
    // A need with no cancelled request of low urgency in the region, as the graph says.
    const needs = ["FOOD", "MEDICINE", "CLOTHING", "HYGIENE", "SHELTER", "LEGAL_AID", "PSYCHOLOGICAL_SUPPORT", "TRANSPORT", "INFORMATION"];
    const lists = needs.map((n) => `${n}: helpRequests(first: 1, status: CANCELLED, urgency: LOW, need: ${n}) { totalCount }`);
    const { region } = await graph<{ region: Record<string, { totalCount: number }> }>(
      `query ($code: String!) { region(code: $code) { ${lists.join(" ")} } }`,
      { code: REGION },
    );
    const need = needs.find((n) => region[n].totalCount === 0)!;
    expect(need).toBeDefined();
    const page = await hotlinePage();
    const queue = page.getByRole("region", { name: "Request queue" });
    const count = queue.getByTestId("queue-count");
    expect(await count.innerText()).toMatch(/^Showing [1-9]\d* of [1-9]/);
    await queue.getByLabel("Status", { exact: true }).selectOption({ label: "Cancelled" });
    await queue.getByLabel("Urgency", { exact: true }).selectOption({ label: "Low" });
    await queue.getByLabel("Need", { exact: true }).selectOption({ label: (common.en as Record<string, string>)[`Need.${need}`] });
    await expect.poll(() => count.innerText(), SOON).toBe("No requests match these filters.");
    expect(await queue.getByRole("article").count()).toBe(0);
    await page.close();
  });

  it("keeps keyboard focus on the request's card after triaging it, and gives it back to the opener when a form is closed", async () => {
    const page = await hotlinePage();
    const id = (await page
      .getByRole("article")
      .filter({ has: page.getByRole("button", { name: "Triage" }) })
      .first()
      .getAttribute("data-request"))!;
    const card = page.locator(`article[data-request="${id}"]`);
    const heading = `H3|${id}|${await card.getByRole("heading").innerText()}`;

    // A form closed unchanged: focus back on the button that opened it.
    await card.getByRole("button", { name: "Cancel request" }).focus();
    await page.keyboard.press("Enter");
    await card.getByLabel("Reason (required)").waitFor();
    await tabTo(page, "Close");
    await page.keyboard.press("Enter");
    await expect.poll(() => card.getByLabel("Reason (required)").count()).toBe(0);
    expect(await focused(page)).toBe(`BUTTON|${id}|Cancel request`);

    // Triaged by keyboard alone: the Triage button goes with the status, focus stays on the card.
    await card.getByRole("button", { name: "Triage" }).focus();
    await page.keyboard.press("Enter");
    await tabTo(page, "Save triage");
    await page.keyboard.press("Enter");
    await expect.poll(() => statusOf(card), SOON).toBe("Triaged");
    expect(await card.getByRole("button", { name: "Triage" }).count()).toBe(0);
    expect(await focused(page)).toBe(heading);
    // The next Tab goes on within the card, not back to the top of the page.
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatch(new RegExp(`^[A-Z]+\\|${id}\\|`));
    await page.close();
  });

  it("is accessible and speaks Kazakh with its forms open", async () => {
    const page = await hotlinePage();
    // More households named so than the 20 shown: the box says so.
    await page.getByLabel("Find a household by name or phone").fill("семья");
    await page.getByText(/^Showing 20 of \d+ households found/).waitFor(SOON);
    // New requests only, each with another of its forms open.
    await page.getByLabel("Status", { exact: true }).selectOption({ label: "New" });
    const cards = page.getByRole("article");
    const statuses = async () => [...new Set(await page.getByRole("list", { name: "Summary" }).locator("li:first-child").allInnerTexts())];
    await expect.poll(statuses, SOON).toEqual(["New"]);
    await cards
      .nth(0)
      .getByText(/^History/)
      .click();
    await cards.nth(0).getByRole("button", { name: "Triage" }).click();
    await cards.nth(1).getByRole("button", { name: "Assign a volunteer" }).click();
    await cards
      .nth(1)
      .getByText(/^Available volunteers who match: /)
      .waitFor();
    await cards.nth(2).getByRole("button", { name: "Cancel request" }).click();
    expect(await seriousViolations(page)).toEqual([]);

    await chooseLanguage(page, "kk");
    await page.getByRole("heading", { name: /^Жедел желі: / }).waitFor();
    expect(await englishLeft(page, [common, hotline, households])).toEqual([]);
  });
});

describe("the volunteer view", () => {
  it("shows the volunteer's profile, sign-ups, hours and assigned requests; accessible and in Kazakh", async () => {
    // A seeded volunteer with a request waiting to be started, event sign-ups and hours served.
    type Assignee = { id: string; fullName: string; hoursServed: number; events: Array<{ title: string }> };
    const { region } = await graph<{ region: { helpRequests: { nodes: Array<{ assignedVolunteer: Assignee }> } } }>(
      `query ($code: String!) { region(code: $code) { helpRequests(first: 20, status: ASSIGNED) {
        nodes { assignedVolunteer { id fullName hoursServed events(first: 10) { title } } } } } }`,
      { code: REGION },
    );
    const me = region.helpRequests.nodes.map((r) => r.assignedVolunteer).find((v) => v.events.length > 0 && v.hoursServed > 0);
    expect(me).toBeDefined();
    const volunteerId = me!.id;
    const page = await volunteerPage(volunteerId);
    await page.getByRole("heading", { name: me!.fullName }).waitFor();
    const hours = new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(me!.hoursServed);
    expect(await page.getByTestId("hours").innerText()).toBe(`Hours served: ${hours}`);
    for (const event of me!.events) await page.getByRole("rowheader", { name: event.title }).first().waitFor();
    await page.getByRole("article").first().getByRole("button", { name: "Start" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await chooseLanguage(page, "kk");
    await page.getByRole("heading", { name: "Маған тағайындалған өтінімдер" }).waitFor();
    expect(await englishLeft(page, [common, volunteer, hotline])).toEqual([]);
  });
});

describe("the person's own region not answering", () => {
  it("says so on the volunteer page and the queue, naming the region, and claims nothing is missing or empty", async () => {
    const { region } = await graph<{ region: { volunteers: { nodes: Array<{ id: string }> } } }>(
      `query ($code: String!) { region(code: $code) { volunteers(first: 1) { nodes { id } } } }`,
      { code: REGION },
    );
    suite.system.setDown(REGION, true);
    try {
      const mine = await suite.system.newPage();
      await signInWithToken(mine, suite.system.origin, await suite.system.token({ sub: region.volunteers.nodes[0].id, role: "VOLUNTEER" }));
      const banner = mine.getByTestId("region-unavailable");
      await expect.poll(() => banner.innerText(), SOON).toMatch(/^Your region Almaty.*\(KZ-75\).*not known to be empty/);
      expect(await mine.getByText(/not found/i).count()).toBe(0);
      await mine.close();

      const page = await suite.open("Hotline", "New call");
      const queue = page.getByRole("region", { name: "Request queue" });
      await expect.poll(() => queue.getByTestId("region-unavailable").innerText(), SOON).toMatch(/^Your region Almaty.*\(KZ-75\)/);
      expect(await queue.getByTestId("queue-count").count()).toBe(0);
      expect(await queue.getByText(/Showing \d+ of \d+|No open requests/).count()).toBe(0);
      await page.close();
    } finally {
      suite.system.setDown(REGION, false);
    }
  });
});
