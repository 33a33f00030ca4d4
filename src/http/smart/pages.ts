/** The few HTML pages of the authorization server: login, patient picker, error. Plain forms, no scripts. */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem}.error{color:#a00}button{padding:.5rem 1.2rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

export function loginPage(action: string, request: string, clientName: string, scope: string, error?: string): string {
  return page(
    'Sign in',
    `<p><strong>${escapeHtml(clientName)}</strong> asks for access: <code>${escapeHtml(scope)}</code></p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="request" value="${escapeHtml(request)}">
<label>User name <input type="text" name="username" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in and allow</button>
</form>`,
  );
}

export function patientPickerPage(action: string, request: string, patients: { id: string; label: string }[]): string {
  const options = patients
    .map((p, i) => `<label><input type="radio" name="patient" value="${escapeHtml(p.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(p.label)}</label>`)
    .join('\n');
  return page(
    'Choose a patient',
    patients.length === 0
      ? '<p class="error">There are no patients to choose from.</p>'
      : `<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="request" value="${escapeHtml(request)}">
${options}
<button type="submit">Continue</button>
</form>`,
  );
}

export function errorPage(message: string): string {
  return page('Authorization error', `<p class="error" role="alert">${escapeHtml(message)}</p>`);
}
