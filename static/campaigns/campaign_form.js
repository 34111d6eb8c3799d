// The campaign form shows only the trigger's own parameters: the trigger's select carries, in
// data-parameters, the fields each trigger reads (campaigns.forms.TRIGGER_PARAMETERS). The
// others are hidden, not cleared: switching back shows what was typed. Without this script every
// parameter shows, and the help text says which trigger reads it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const trigger = document.getElementById("id_trigger");
  if (!trigger || !trigger.dataset.parameters) {
    return;
  }
  const byTrigger = JSON.parse(trigger.dataset.parameters);
  const every = new Set(Object.values(byTrigger).flat());

  function show() {
    const wanted = new Set(byTrigger[trigger.value] || []);
    for (const name of every) {
      const row = document.querySelector(`.form-row.field-${name}`);
      if (row) {
        row.style.display = wanted.has(name) ? "" : "none";
      }
    }
  }

  trigger.addEventListener("change", show);
  show();
});
