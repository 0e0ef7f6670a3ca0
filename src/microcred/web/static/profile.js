// An experience's skills, kept and dismissed in place. Each Keep, Save, Dismiss and Remove form (data-skill-form)
// is sent with fetch, asking for JSON (Accept: application/json); the answer (SkillChangeOut) moves a kept
// suggestion to "Skills you used", takes a dismissed or removed one away, updates the counts, and the change is
// announced in the page's status region ("Kept: Scala"). Focus goes to the next suggestion, so a keyboard can
// carry on down the list. Without JavaScript, or when the answer is not JSON (the session ended, the form
// expired), the form is posted as usual: the page comes back at the skill's row with the same message.
(function () {
  "use strict";
  const keptList = document.getElementById("confirmed-skills");
  const waitingList = document.getElementById("suggested-skills");
  const status = document.getElementById("skill-status");
  if (!keptList || !waitingList || !status || !window.fetch || !window.URLSearchParams) return;

  function rows(list) {
    return Array.from(list.children).filter((child) => child.classList.contains("skill-row"));
  }

  function say(message) {
    status.textContent = "";
    window.setTimeout(() => {
      status.textContent = message;
    }, 30);
  }

  // Where focus goes when a row leaves its list: the next row's first button, else the previous row's, else the
  // list's heading (focusable with tabindex="-1").
  function nextFocus(row, headingId) {
    const siblings = rows(row.parentElement);
    const at = siblings.indexOf(row);
    const neighbour = siblings[at + 1] || siblings[at - 1];
    return (neighbour && neighbour.querySelector("button")) || document.getElementById(headingId);
  }

  function showCounts(answer) {
    document.getElementById("confirmed-count").textContent = String(answer.kept);
    document.getElementById("suggested-count").textContent = String(answer.suggested);
    document.getElementById("confirmed-empty").hidden = rows(keptList).length > 0;
    document.getElementById("suggested-empty").hidden = rows(waitingList).length > 0;
  }

  // A suggestion becomes a kept skill: its buttons say Save and Remove, its source note goes.
  function asKept(row, answer) {
    const source = row.querySelector(".skill-source");
    if (source) source.remove();
    const save = row.querySelector("form[data-skill-form=keep] button");
    save.textContent = "Save";
    save.classList.add("secondary");
    save.setAttribute("aria-label", "Save the strength of " + answer.label);
    const remove = row.querySelector("form[data-skill-form=remove] button");
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove " + answer.label);
    const strength = row.querySelector("select[name=strength]");
    if (strength && answer.strength) strength.value = String(answer.strength);
  }

  function apply(answer, row, submitter) {
    let focus = submitter;
    if (answer.action === "kept") {
      focus = nextFocus(row, "suggested-heading");
      asKept(row, answer);
      keptList.appendChild(row);
    } else if (answer.action === "dismissed" || answer.action === "removed") {
      focus = nextFocus(row, row.parentElement === keptList ? "confirmed-heading" : "suggested-heading");
      row.remove();
    }
    showCounts(answer);
    say(answer.message);
    if (focus) focus.focus();
  }

  async function send(form, row, submitter) {
    const buttons = Array.from(row.querySelectorAll("button"));
    row.setAttribute("aria-busy", "true");
    buttons.forEach((button) => {
      button.disabled = true;
    });
    let answer = null;
    let problem = null;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if ((response.headers.get("content-type") || "").includes("application/json")) {
        const body = await response.json();
        if (response.ok) answer = body;
        else problem = body.detail || "That did not work: try again.";
      }
    } catch (error) {
      problem = "The server could not be reached: check your connection and try again.";
    }
    row.removeAttribute("aria-busy");
    buttons.forEach((button) => {
      button.disabled = false;
    });
    if (answer) {
      apply(answer, row, submitter);
    } else if (problem) {
      say(problem);
      if (submitter) submitter.focus();
    } else {
      form.submit(); // not an answer for this script: let the page handle it as it does without JavaScript
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.skillForm) return;
    const row = form.closest(".skill-row");
    if (!row) return;
    event.preventDefault();
    if (row.getAttribute("aria-busy") === "true") return; // one change of a row at a time
    send(form, row, event.submitter || form.querySelector("button"));
  });
})();
