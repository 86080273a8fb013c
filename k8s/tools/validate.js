// Validates rendered Kubernetes objects (multi-document YAML on stdin) against the API schemas
// shipped in npm's kubernetes-models: types and required fields (not unknown fields).
const fs = require("fs");
const YAML = require("yaml");

const objects = YAML.parseAllDocuments(fs.readFileSync(0, "utf8"))
  .map((document) => document.toJSON())
  .filter(Boolean);
let invalid = 0;
for (const object of objects) {
  const name = `${object.kind}/${object.metadata && object.metadata.name}`;
  if (object.kind === "Secret" && object.data) {
    // kubectl wraps long base64 values over lines, which the API server accepts but the schema's
    // "byte" format does not.
    for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\s/g, "");
  }
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : [null, object.apiVersion];
  let Model;
  try {
    Model = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`)[object.kind];
  } catch (error) {
    Model = undefined;
  }
  if (!Model) {
    console.error(`UNKNOWN ${name}: no schema for ${object.apiVersion} ${object.kind}`);
    invalid++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`valid ${name}`);
  } catch (error) {
    console.error(`INVALID ${name}: ${error.message}`);
    invalid++;
  }
}
if (objects.length === 0) {
  console.error("no objects to validate");
  invalid++;
}
process.exit(invalid ? 1 : 0);
