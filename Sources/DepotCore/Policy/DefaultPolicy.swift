/// The default policy of SPEC.md, in the format of a policy file. `depot policy show` prints the
/// policy in force in this format; an operator copies it, edits it and passes it with `--policy`.
public let defaultPolicyYAML = """
    # Depot support policy: the defaults of SPEC.md.
    # Durations: "N unit" with unit business-hours, business-days, hours or days (singular forms too).

    centres:
      lexington:
        name: Lexington MA
        time-zone: America/New_York
        calendars: [US, US-MA]
        hours:
          mon-fri: 08:00-18:00
      san-francisco:
        name: San Francisco CA
        time-zone: America/Los_Angeles
        calendars: [US, US-CA]
        hours:
          mon-fri: 08:00-18:00
      london:
        name: London
        time-zone: Europe/London
        calendars: [GB-ENG]
        hours:
          mon-fri: 08:00-18:00
      sydney:
        name: Sydney
        time-zone: Australia/Sydney
        calendars: [AU-NSW]
        hours:
          mon-fri: 08:00-18:00

    # A region is open when any of its centres is; its home time zone is its first centre's.
    regions:
      americas:
        centres: [lexington, san-francisco]
      emea:
        centres: [london]
      apac:
        centres: [sydney]

    slas:
      response:
        P1: {standard: 2 business-hours, premium: 1 hour, premium-plus: 1 hour}
        P2: {standard: 4 business-hours, premium: 2 business-hours, premium-plus: 2 business-hours}
        P3: {standard: 1 business-day, premium: 4 business-hours, premium-plus: 4 business-hours}
        P4: {standard: 5 business-days, premium: 2 business-days, premium-plus: 2 business-days}
      escalation:
        leadership:
          P1: {standard: 1 business-day, premium: 1 day, premium-plus: 1 day}
          P2: {standard: 7 business-days, premium: 5 business-days, premium-plus: 5 business-days}
          P3: {standard: 21 business-days, premium: 14 business-days, premium-plus: 14 business-days}
          P4: {standard: 30 days, premium: 30 days, premium-plus: 30 days}
        tam:
          P1: {premium-plus: 1 business-day}
          P2: {premium-plus: 1 business-day}
          P3: {premium-plus: 1 business-day}
          P4: {premium-plus: 1 business-day}

    rma:
      advance-ship-within: 1 business-day
      return-due-after-delivery: 10 business-days
      replacement-ship-after-receipt: 10 business-days

    warranty:
      default-months: 12
      replacement-minimum-days: 90

    versions:
      supported-lines: 3
      maintenance-months: 24

    # Who hears of what: each event goes to the webhook endpoints of these targets (leadership, tam,
    # account-manager, logistics, professional-services, on-call, contacts); [] silences an event.
    # `depot notify endpoint add` sets the endpoints.
    notifications:
      escalation-leadership: [leadership]
      escalation-tam: [tam]
      sales-referral: [account-manager]
      rma-approved: [logistics]
      return-overdue: [logistics]
      replacement-shipped: [logistics]
      custom-development: [professional-services]
      contact-welcome: [contacts]
      after-hours: [on-call]
      customer-escalation: [leadership]
      survey-invitation: [contacts]
      survey-low-score: [leadership]

    # Case attachments (seed support-portal-notice): the largest upload (megabytes of 1,000,000 bytes), and the
    # days after which a secure upload is purged at the latest. Closing a case deletes its attachments.
    attachments:
      max-megabytes: 25
      secure-retention-days: 90

    # Cases (SPEC.md 3): a resolved case can be reopened within this many days of its resolution.
    cases:
      reopen-days: 14

    # After hours (SPEC.md 8): these tiers get support round the clock. Outside the region's hours a case needs the
    # customer's PIN (depot customer pin): then its deadlines run in wall-clock time from the opening and the on-call
    # target is told; without a valid PIN it counts as opened at the region's next opening. After wrong-pins wrong
    # PINs of one customer within wrong-pin-minutes, its PINs are not checked until the oldest of them is that old.
    after-hours:
      tiers: [premium, premium-plus]
      wrong-pins: 5
      wrong-pin-minutes: 15

    # Satisfaction survey (SPEC.md 9): after a case closes its confirming contact is invited, for one closed case in
    # `every` of a customer per calendar month, never a contact twice within contact-gap-days; the one-time link
    # expires after expiry-days. link-base (for example https://depot.example.com) makes the invitation carry the
    # whole link; without it, it carries the path (/survey/...) for the contacts' gateway to complete.
    survey:
      every: 1
      contact-gap-days: 30
      expiry-days: 14

    """
