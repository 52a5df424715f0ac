// Interface text in bokmål (default) and nynorsk (a setting on the tablet).
(function () {
  const TEXT = {
    nb: {
      title: "Kjøreliste", login: "Logg inn", username: "Brukernavn", password: "Passord",
      logout: "Logg ut", loginFailed: "Feil brukernavn eller passord.", offline: "Frakoblet – hendelser lagres på nettbrettet og sendes når nettet er tilbake.",
      online: "Tilkoblet", pending: "venter på sending", start: "Start besøk", done: "Ferdig", delayed: "Meld forsinkelse",
      window: "Avtalt", planned: "Plan", expected: "Forventet", started: "Startet", minutes: "min", partner: "Sammen med",
      access: "Adkomst", tasks: "Oppgaver", statusPlanned: "Ikke startet", statusInProgress: "Pågår", statusDone: "Utført",
      statusCancelled: "Ikke utført", late: "min for sent", noRoute: "Ingen publisert kjøreliste i dag.",
      delayTitle: "Nye forventede tider", delayHelp: "Brukere som har samtykket får SMS når besøket blir minst 15 min forsinket. Ingen helseopplysninger sendes.",
      sendNotice: "Varsle brukerne", cancel: "Avbryt", noticeQueued: "Varselet er bestilt – sendes når nettet er tilbake.",
      noticeSent: "Varsel bestilt for", noticeNone: "Ingen av besøkene er så forsinket at noen skal varsles.", notified: "Varslet",
      republished: "Koordinator har endret kjørelisten.", showChanges: "Vis endringer", changed: "Endret",
      conflict: "Konflikt", map: "Kart", list: "Liste", language: "Språk", myPosition: "Min posisjon",
      lastUpdated: "Oppdatert", shift: { day: "Dagvakt", evening: "Kveldsvakt", night: "Nattvakt" },
      startAt: "Start besøk hos", doneAt: "Ferdig hos", notDone: "Ikke utført", notDoneAt: "Ikke utført hos",
      notDoneTitle: "Besøket ble ikke utført", reasons: { not_home: "Ikke hjemme", cancelled_by_recipient: "Avlyst av bruker", hospital: "Innlagt på sykehus", other: "Annet" },
      note: "Merknad", noteNeeded: "Skriv hva som skjedde.", send: "Send", notHomeHelp: "«Ikke hjemme» varsler koordinator med en gang.",
      undo: "Angre", undone: "Angret.", secondStart: "Et annet besøk pågår fortsatt. Starte dette likevel?",
      directions: "Veibeskrivelse", finishedVisits: "Fullførte besøk", next: "Neste",
      outcome: { would_notify: "Får SMS", created: "SMS bestilt", already: "Allerede varslet", no_consent: "Har ikke samtykket til SMS", quiet_hours: "Stille tid – ingen SMS nå", not_late: "Ikke forsinket nok til varsel", done: "Startet" },
      notifiedAt: "Varslet kl.", decidedOnline: "Avgjøres når nettet er tilbake", whatHappens: "Hva skjer",
    },
    nn: {
      title: "Køyreliste", login: "Logg inn", username: "Brukarnamn", password: "Passord",
      logout: "Logg ut", loginFailed: "Feil brukarnamn eller passord.", offline: "Fråkopla – hendingar vert lagra på nettbrettet og sende når nettet er tilbake.",
      online: "Tilkopla", pending: "ventar på sending", start: "Start besøk", done: "Ferdig", delayed: "Meld forseinking",
      window: "Avtalt", planned: "Plan", expected: "Venta", started: "Starta", minutes: "min", partner: "Saman med",
      access: "Tilkomst", tasks: "Oppgåver", statusPlanned: "Ikkje starta", statusInProgress: "Pågår", statusDone: "Utført",
      statusCancelled: "Ikkje utført", late: "min for seint", noRoute: "Inga publisert køyreliste i dag.",
      delayTitle: "Nye venta tider", delayHelp: "Brukarar som har samtykt får SMS når besøket vert minst 15 min forseinka. Ingen helseopplysningar vert sende.",
      sendNotice: "Varsle brukarane", cancel: "Avbryt", noticeQueued: "Varselet er bestilt – vert sendt når nettet er tilbake.",
      noticeSent: "Varsel bestilt for", noticeNone: "Ingen av besøka er så forseinka at nokon skal varslast.", notified: "Varsla",
      republished: "Koordinator har endra køyrelista.", showChanges: "Vis endringar", changed: "Endra",
      conflict: "Konflikt", map: "Kart", list: "Liste", language: "Språk", myPosition: "Min posisjon",
      lastUpdated: "Oppdatert", shift: { day: "Dagvakt", evening: "Kveldsvakt", night: "Nattevakt" },
      startAt: "Start besøk hos", doneAt: "Ferdig hos", notDone: "Ikkje utført", notDoneAt: "Ikkje utført hos",
      notDoneTitle: "Besøket vart ikkje utført", reasons: { not_home: "Ikkje heime", cancelled_by_recipient: "Avlyst av brukar", hospital: "Innlagd på sjukehus", other: "Anna" },
      note: "Merknad", noteNeeded: "Skriv kva som skjedde.", send: "Send", notHomeHelp: "«Ikkje heime» varslar koordinator med ein gong.",
      undo: "Angre", undone: "Angra.", secondStart: "Eit anna besøk pågår framleis. Starte dette likevel?",
      directions: "Vegbeskriving", finishedVisits: "Fullførte besøk", next: "Neste",
      outcome: { would_notify: "Får SMS", created: "SMS bestilt", already: "Allereie varsla", no_consent: "Har ikkje samtykt til SMS", quiet_hours: "Stille tid – ingen SMS no", not_late: "Ikkje forseinka nok til varsel", done: "Starta" },
      notifiedAt: "Varsla kl.", decidedOnline: "Vert avgjort når nettet er tilbake", whatHappens: "Kva skjer",
    },
  };
  let lang = localStorage.getItem("hjemmerute.lang") || "nb";
  window.HRi18n = {
    t: (key) => TEXT[lang][key] ?? TEXT.nb[key] ?? key,
    lang: () => lang,
    setLang(value) {
      lang = value in TEXT ? value : "nb";
      localStorage.setItem("hjemmerute.lang", lang);
      document.documentElement.lang = lang;
    },
  };
})();
