/** The business-hours page and the re-invite panel in English; admin.en.ts spreads them in. */
export const enHours = {
  /** The two parts of Settings. */
  settingsNav: {
    label: 'Settings sections',
    routing: 'Routing',
    hours: 'Business hours',
  },
  /** Business hours, per site. */
  hours: {
    title: 'Business hours',
    intro: 'Outside its business hours a site takes messages instead of conversations, and the widget says when it opens again. Changes apply at once; every change is in the audit log.',
    loading: 'Loading business hours…',
    noSites: 'There are no sites yet.',
    mode: 'When can shoppers start a conversation?',
    always: 'Open always',
    alwaysHint: 'At any time, whenever an agent is available.',
    byHours: 'Business hours',
    byHoursHint: 'Only in the hours below; at other times they can leave a message.',
    timezone: 'Time zone',
    timezoneHint: 'An IANA time zone such as Europe/Berlin or Asia/Shanghai. The hours and dates below are local time there.',
    badTimezone: 'Not a time zone this browser knows. Write it like Europe/Berlin or Asia/Shanghai.',
    /** Sets the zone to the browser's own. */
    useMine: (zone: string) => `Use mine (${zone})`,
    weekly: 'Opening hours',
    weeklyHint: 'A day with no hours is closed. To stay open to the end of the day, close at midnight (00:00).',
    day: {
      mon: 'Monday',
      tue: 'Tuesday',
      wed: 'Wednesday',
      thu: 'Thursday',
      fri: 'Friday',
      sat: 'Saturday',
      sun: 'Sunday',
    },
    closedDay: 'Closed',
    /** Between an opening and a closing time. */
    until: 'to',
    /** The time inputs' accessible names: "Monday: opens". */
    opensOn: (day: string) => `${day}: opens`,
    closesOn: (day: string) => `${day}: closes`,
    removeOn: (day: string) => `${day}: remove these hours`,
    addOn: (day: string) => `${day}: add hours`,
    add: 'Add hours',
    midnight: 'midnight',
    copyMonday: 'Copy Monday to Tuesday–Friday',
    /** Why an interval cannot be saved. */
    problem: {
      noTime: 'Enter both times.',
      order: 'It closes before it opens. Overnight: close at midnight (00:00) and open the next day at 00:00.',
      overlap: 'It overlaps other hours of this day.',
    },
    closedDates: 'Closed dates',
    closedDatesHint: 'Holidays and other whole days closed, in the site’s time zone.',
    noClosedDates: 'No closed dates.',
    addDate: 'Add a date',
    dateLabel: 'Closed date',
    removeDate: (date: string) => `Remove the closed date ${date}`,
    badDate: 'Pick a date, or remove the row.',
    save: 'Save business hours',
    reset: 'Undo changes',
    unsaved: 'Unsaved changes.',
    upToDate: 'All saved.',
    savedAt: (time: string) => `Saved at ${time}. In force now.`,
    fix: 'Fix the marked fields first.',
    /** The preview of the draft, by the site's clock (`now`: the time there). */
    previewTitle: 'With these hours',
    previewAlways: 'Open now, and at any time.',
    previewOpen: (now: string, until: string) => `It is ${now} there: open now, until ${until}.`,
    previewToday: (now: string, time: string) => `It is ${now} there: closed now, opens today at ${time}.`,
    previewTomorrow: (now: string, time: string) => `It is ${now} there: closed now, opens tomorrow at ${time}.`,
    previewOn: (now: string, day: string, time: string) => `It is ${now} there: closed now, opens on ${day} at ${time}.`,
    previewNever: (now: string) => `It is ${now} there: closed now, with no opening ahead.`,
  },
  /** A new invite link for an account that has not set its password. */
  reinvite: {
    title: 'Invite link',
    body: 'They have not set a password yet. If their link was lost or has expired, make a new one. Earlier links keep working until they expire or one of them sets the password.',
    submit: 'New invite link',
    busy: 'Creating…',
    notInvited: 'This account has set its password already, or is deactivated: it needs no invite link.',
  },
};
