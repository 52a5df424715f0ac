// Interface text in bokmål (default) and nynorsk (a setting on the tablet).
(function () {
  const TEXT = {
    nb: {
      title: "Kjøreliste", login: "Logg inn", username: "Brukernavn", password: "Passord",
      logout: "Logg ut", loginFailed: "Feil brukernavn eller passord.", offline: "Frakoblet – hendelser lagres på nettbrettet og sendes når nettet er tilbake.",
      online: "Tilkoblet", pending: "venter på sending", start: "Start besøk", done: "Ferdig", delayed: "Forsinket",
      window: "Avtalt", planned: "Planlagt", expected: "Forventet", started: "Startet", minutes: "min", partner: "Sammen med",
      access: "Tilgang", tasks: "Oppgaver", statusPlanned: "Planlagt", statusInProgress: "Pågår", statusDone: "Utført",
      statusCancelled: "Avlyst", late: "min for sent", noRoute: "Ingen publisert kjøreliste i dag.",
      delayTitle: "Nye forventede tider", delayHelp: "Brukere som har samtykket får SMS når besøket blir minst 15 min forsinket. Ingen helseopplysninger sendes.",
      sendNotice: "Varsle brukerne", cancel: "Avbryt", noticeQueued: "Varselet er bestilt – sendes når nettet er tilbake.",
      noticeSent: "Varsel bestilt for", noticeNone: "Ingen av besøkene er så forsinket at noen skal varsles.", notified: "Varslet",
      republished: "Koordinator har endret kjørelisten.", showChanges: "Vis endringer", changed: "Endret",
      conflict: "Konflikt", map: "Kart", list: "Liste", language: "Språk", myPosition: "Min posisjon",
      lastUpdated: "Oppdatert", shift: { day: "Dagvakt", evening: "Kveldsvakt", night: "Nattvakt" },
    },
    nn: {
      title: "Køyreliste", login: "Logg inn", username: "Brukarnamn", password: "Passord",
      logout: "Logg ut", loginFailed: "Feil brukarnamn eller passord.", offline: "Fråkopla – hendingar vert lagra på nettbrettet og sende når nettet er tilbake.",
      online: "Tilkopla", pending: "ventar på sending", start: "Start besøk", done: "Ferdig", delayed: "Forseinka",
      window: "Avtalt", planned: "Planlagt", expected: "Venta", started: "Starta", minutes: "min", partner: "Saman med",
      access: "Tilgang", tasks: "Oppgåver", statusPlanned: "Planlagt", statusInProgress: "Pågår", statusDone: "Utført",
      statusCancelled: "Avlyst", late: "min for seint", noRoute: "Inga publisert køyreliste i dag.",
      delayTitle: "Nye venta tider", delayHelp: "Brukarar som har samtykt får SMS når besøket vert minst 15 min forseinka. Ingen helseopplysningar vert sende.",
      sendNotice: "Varsle brukarane", cancel: "Avbryt", noticeQueued: "Varselet er bestilt – vert sendt når nettet er tilbake.",
      noticeSent: "Varsel bestilt for", noticeNone: "Ingen av besøka er så forseinka at nokon skal varslast.", notified: "Varsla",
      republished: "Koordinator har endra køyrelista.", showChanges: "Vis endringar", changed: "Endra",
      conflict: "Konflikt", map: "Kart", list: "Liste", language: "Språk", myPosition: "Min posisjon",
      lastUpdated: "Oppdatert", shift: { day: "Dagvakt", evening: "Kveldsvakt", night: "Nattevakt" },
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
