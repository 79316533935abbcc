// Reads an .ics with ical.js (Thunderbird's and many web apps' parser) and prints
// every VEVENT as JSON: uid, start (UTC instant or all-day date), sequence, status.
// Exit 1 with the parser's message when it rejects the file.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
let calendar;
try {
  calendar = new ICAL.Component(ICAL.parse(text));
} catch (error) {
  console.error(`rejected: ${error.message}`);
  process.exit(1);
}
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const start = event.startDate;
  return {
    uid: event.uid,
    start: start.isDate ? start.toString() : start.toJSDate().toISOString(),
    sequence: event.sequence,
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
    alarms: component.getAllSubcomponents("valarm").length,
  };
});
console.log(JSON.stringify(events));
