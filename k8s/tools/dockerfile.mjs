// Checks deploy/docker/Dockerfile where no container engine runs: dockerfile-utils' linter (syntax,
// arguments of every instruction), then the rules the images must keep, read from the parsed
// file (dockerfile-ast):
// - every stage starts from debian:12-slim or from an earlier stage;
// - there is a target per program the manifests run (each image name of k8s/base) and the cli;
// - each of those targets runs as a numeric, non-root user (its own USER or its base stage's),
//   copies only from the build stage's install tree of its own component, and starts
//   /usr/local/bin/ipraktik-<target> (the cli: /usr/local/bin/ipraktik) in exec form;
// - package installs skip recommended packages and drop apt's lists in the same layer;
// - the build stage installs every component with deploy/docker/install-service.sh, the step
//   tests/services repeats to start a program from the image's layout.
//
//   node k8s/tools/dockerfile.mjs deploy/docker/Dockerfile k8s/base
import fs from "node:fs";
import path from "node:path";
import { validate } from "dockerfile-utils";
import { DockerfileParser } from "dockerfile-ast";

const [dockerfilePath, basePath] = process.argv.slice(2);
if (!dockerfilePath || !basePath) {
  console.error("usage: node dockerfile.mjs DOCKERFILE K8S_BASE_FOLDER");
  process.exit(2);
}
const text = fs.readFileSync(dockerfilePath, "utf8");
const problems = [];
const problem = (line, message) => problems.push(`${dockerfilePath}:${line + 1}: ${message}`);

for (const diagnostic of validate(text)) {
  problem(diagnostic.range.start.line, diagnostic.message);
}

// The programs the manifests run: image "ipraktik/<name>" in the base's Deployments.
const manifestImages = new Set();
for (const file of fs.readdirSync(basePath)) {
  if (!file.endsWith(".yaml")) continue;
  for (const match of fs.readFileSync(path.join(basePath, file), "utf8").matchAll(/image:\s*ipraktik\/([a-z-]+)/g)) {
    manifestImages.add(match[1]);
  }
}
if (manifestImages.size === 0) problems.push(`${basePath}: no image ipraktik/<name> found`);
const targets = new Set([...manifestImages, "cli"]);

// The stages in order, each with its instructions.
const stages = [];
for (const instruction of DockerfileParser.parse(text).getInstructions()) {
  const keyword = instruction.getKeyword();
  if (keyword === "FROM") {
    stages.push({
      name: instruction.getBuildStage(),
      from: instruction.getImage(),
      line: instruction.getRange().start.line,
      instructions: [],
    });
  } else if (stages.length) {
    stages.at(-1).instructions.push(instruction);
  } else if (keyword !== "ARG") {
    problem(instruction.getRange().start.line, `${keyword} before the first FROM`);
  }
}
const byName = new Map(stages.map((stage) => [stage.name, stage]));
const argumentsOf = (instruction) => instruction.getArguments().map((argument) => argument.getValue());

for (const [index, stage] of stages.entries()) {
  const earlier = stages.slice(0, index).some((other) => other.name === stage.from);
  if (stage.from !== "debian:12-slim" && !earlier) {
    problem(stage.line, `stage ${stage.name} starts from ${stage.from}, not debian:12-slim or an earlier stage`);
  }
  for (const instruction of stage.instructions) {
    const line = instruction.getRange().start.line;
    if (instruction.getKeyword() !== "RUN") continue;
    const command = argumentsOf(instruction).join(" ");
    if (/apt-get install/.test(command)) {
      if (!command.includes("--no-install-recommends")) problem(line, "apt-get install without --no-install-recommends");
      if (!command.includes("rm -rf /var/lib/apt/lists/*")) problem(line, "apt-get install leaves apt's lists in the layer");
    }
  }
}

// The user a stage runs as: its last USER, else its base stage's.
function userOf(stage) {
  for (let current = stage; current; current = byName.get(current.from)) {
    const users = current.instructions.filter((instruction) => instruction.getKeyword() === "USER");
    if (users.length) return argumentsOf(users.at(-1)).join(" ");
  }
  return null;
}

const build = byName.get("build");
if (!build) problems.push(`${dockerfilePath}: no stage "build"`);
const buildCommands = build
  ? build.instructions.filter((i) => i.getKeyword() === "RUN").map((i) => argumentsOf(i).join(" ")).join("\n")
  : "";
if (build && !/deploy\/docker\/install-service\.sh build "\$component" "\/out\/\$component\/usr\/local"/.test(buildCommands)) {
  problem(build.line, "the build stage does not install each component with deploy/docker/install-service.sh");
}

for (const target of targets) {
  const stage = byName.get(target);
  if (!stage) {
    problems.push(`${dockerfilePath}: no target "${target}" (image ipraktik/${target} of the manifests)`);
    continue;
  }
  if (build && !buildCommands.includes(` ${target} `) && !buildCommands.includes(` ${target};`)) {
    problem(stage.line, `the build stage installs no component "${target}"`);
  }
  const user = userOf(stage);
  if (!user || !/^[1-9][0-9]*(:[0-9]+)?$/.test(user)) {
    problem(stage.line, `target ${target} runs as ${user ?? "root"}: needs a numeric user other than 0`);
  }
  for (const instruction of stage.instructions) {
    const line = instruction.getRange().start.line;
    const keyword = instruction.getKeyword();
    if (keyword === "RUN") problem(line, `target ${target} runs commands: only the runtime stage installs packages`);
    if (keyword === "ADD") problem(line, `target ${target} uses ADD: COPY from the build stage`);
    if (keyword === "COPY") {
      const from = instruction.getFromFlag ? instruction.getFromFlag() : null;
      const [source] = argumentsOf(instruction);
      if (!from || from.getValue() !== "build" || source !== `/out/${target}/`) {
        problem(line, `target ${target} copies other than the build stage's /out/${target}/`);
      }
    }
  }
  const entrypoints = stage.instructions.filter((instruction) => instruction.getKeyword() === "ENTRYPOINT");
  const program = target === "cli" ? "/usr/local/bin/ipraktik" : `/usr/local/bin/ipraktik-${target}`;
  const entrypoint = entrypoints.at(-1);
  if (!entrypoint || !/^\s*\[/.test(entrypoint.getArgumentsContent() ?? "") ||
      JSON.parse(entrypoint.getArgumentsContent())[0] !== program) {
    problem(stage.line, `target ${target} must start ["${program}"] (exec form)`);
  }
}

if (problems.length) {
  for (const line of problems) console.error(line);
  process.exit(1);
}
console.log(`${dockerfilePath}: ${stages.length} stages, targets ${[...targets].join(", ")}: ok`);
