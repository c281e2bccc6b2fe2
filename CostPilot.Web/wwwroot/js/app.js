// Small helpers the Blazor components call through IJSRuntime.
window.costpilot = {
  // Remember light/dark mode for a year, so the first server-rendered paint already has it.
  setTheme: function (mode) {
    document.cookie = "costpilot-theme=" + (mode === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
  },
  // The browser's IANA time zone ("Europe/Paris"): times are shown in it, not in the server's.
  timeZone: function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  }
};
