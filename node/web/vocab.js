export function word(kind, code) { return code; }
export function wordEl(kind, code) { const s = document.createElement('span'); s.textContent = code; return s; }
