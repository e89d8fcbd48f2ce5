import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);

// src/core/spec.ts
function csvField(field) {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replace(/"/g, '""')}"` : field;
}
function encodeFields(fields) {
  return fields.map(csvField).join(",");
}
function encodeSpec(attributes) {
  return encodeFields(attributes.map(([key, value]) => `${key}=${value}`));
}
function csvFields(spec) {
  const fields = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (quoted) {
      if (c === '"' && spec[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === "\r" && spec[i + 1] === "\n") {
        field += "\n";
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}
function decodeSpec(spec) {
  return csvFields(spec).map((f) => {
    const eq = f.indexOf("=");
    return eq < 0 ? [f, ""] : [f.slice(0, eq), f.slice(eq + 1)];
  });
}

export {
  encodeFields,
  encodeSpec,
  csvFields,
  decodeSpec
};
