// Validates one rendered overlay (multi-document YAML on stdin):
// 1. every object against its schema: the Kubernetes API's (npm kubernetes-models), KEDA's
//    (@kubernetes-models/keda), and the RabbitMQ operator's RabbitmqCluster (k8s/schemas/, with
//    unknown fields refused); an object of any other kind fails;
// 2. the rules of docs/deploy.md that a schema cannot see, e.g. every workload non-root on a
//    read-only root with requests and limits, its own ServiceAccount without a token and a
//    PodDisruptionBudget; the services' probes, drain time, settings and image tag; a default-deny
//    NetworkPolicy; the scale-out and the backends' essentials; the Redis scripts and proxy
//    configuration pass `sh -n` and `haproxy -c`.
//
//   kubectl kustomize k8s/overlays/national | node k8s/tools/validate.mjs
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import Ajv from "ajv";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

const objects = YAML.parseAllDocuments(fs.readFileSync(0, "utf8"))
  .map((document) => document.toJSON())
  .filter(Boolean);
const problems = [];
const nameOf = (object) => `${object.kind}/${object.metadata && object.metadata.name}`;

// ------------------------------------------------------------------------------------ schemas
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
const ownSchemas = {
  "rabbitmq.com/v1beta1/RabbitmqCluster": ajv.compile(
    JSON.parse(fs.readFileSync(path.join(here, "../schemas/rabbitmqcluster-v1beta1.json"), "utf8")),
  ),
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const module =
    group === "keda.sh"
      ? `@kubernetes-models/keda/keda.sh/${version}`
      : group
        ? `kubernetes-models/${group}/${version}`
        : `kubernetes-models/${version}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

for (const object of objects) {
  const name = nameOf(object);
  if (object.kind === "Secret" && object.data) {
    // kubectl wraps long base64 values over lines, which the API server accepts but the schema's
    // "byte" format does not.
    for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\s/g, "");
  }
  const own = ownSchemas[`${object.apiVersion}/${object.kind}`];
  if (own) {
    if (!own(object)) problems.push(`INVALID ${name}: ${ajv.errorsText(own.errors)}`);
    continue;
  }
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) {
    problems.push(`UNKNOWN ${name}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`INVALID ${name}: ${error.message}`);
  }
}

// -------------------------------------------------------------------------------------- rules
const ofKind = (kind) => objects.filter((object) => object.kind === kind);
const named = (kind, name) => ofKind(kind).find((object) => object.metadata.name === name);
const selects = (selector, labels) =>
  Object.entries((selector && selector.matchLabels) || {}).every(([key, value]) => labels[key] === value);
const seconds = (duration) => {
  const match = /^([0-9.]+)(ms|s|m|h)$/.exec(duration || "");
  return match ? Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2]] : NaN;
};
const rule = (ok, message) => {
  if (!ok) problems.push(`RULE ${message}`);
};

// Every setting a service reads is in docs/operations.md (its tables name each one in backticks).
const documented = new Set(
  [...fs.readFileSync(path.join(root, "docs/operations.md"), "utf8").matchAll(/`(IPRAKTIK_[A-Z0-9_]+)`/g)].map((m) => m[1]),
);
// The settings docs/operations.md types as "secret": a Deployment takes them from a Secret only.
const secretSettings = new Set(
  [...fs.readFileSync(path.join(root, "docs/operations.md"), "utf8").matchAll(/^\| `(IPRAKTIK_[A-Z0-9_]+)` \|(.*)$/gm)]
    .filter((m) => m[2].split("|").some((cell) => cell.trim() === "secret"))
    .map((m) => m[1]),
);
// The service keys a service calls another with (docs/deploy.md, "Secrets").
const serviceKeys = {
  "ipraktik-matching": ["IPRAKTIK_REGISTRATION_API_KEY"],
  "ipraktik-notification": ["IPRAKTIK_MATCHING_API_KEY"],
};
const settings = (named("ConfigMap", "ipraktik-settings") || {}).data || {};
for (const configMap of ofKind("ConfigMap").filter((c) => c.metadata.name.startsWith("ipraktik-") && !c.metadata.name.startsWith("ipraktik-redis"))) {
  for (const key of Object.keys(configMap.data || {})) {
    rule(documented.has(key), `${nameOf(configMap)} sets ${key}, which docs/operations.md does not list`);
    rule(!secretSettings.has(key), `${nameOf(configMap)} sets the secret ${key}: it belongs in a Secret`);
  }
}

const workloads = [...ofKind("Deployment"), ...ofKind("StatefulSet")];
const ipraktikTags = new Set();
for (const workload of workloads) {
  const name = nameOf(workload);
  const pod = workload.spec.template.spec;
  const labels = workload.spec.template.metadata.labels || {};
  const account = named("ServiceAccount", pod.serviceAccountName);
  rule(account && account.automountServiceAccountToken === false,
    `${name}: needs its own ServiceAccount with automountServiceAccountToken: false`);
  rule(pod.automountServiceAccountToken === false, `${name}: automountServiceAccountToken must be false`);
  rule(pod.securityContext && pod.securityContext.runAsNonRoot === true, `${name}: runAsNonRoot must be true`);
  for (const container of pod.containers) {
    const where = `${name} container ${container.name}`;
    const resources = container.resources || {};
    for (const kind of ["requests", "limits"]) {
      rule(resources[kind] && resources[kind].cpu && resources[kind].memory, `${where}: needs cpu and memory ${kind}`);
    }
    const security = container.securityContext || {};
    rule(security.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem must be true`);
    rule(security.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation must be false`);
  }
  rule(ofKind("PodDisruptionBudget").some((budget) => selects(budget.spec.selector, labels)),
    `${name}: no PodDisruptionBudget selects its pods`);

  if (labels["app.kubernetes.io/component"] !== "service") continue;
  // The ipraktik services.
  const [container] = pod.containers;
  // The kubelet's gRPC probes speak no TLS: they ask the plaintext health-only port the service
  // opens at IPRAKTIK_HEALTH_ADDRESS (docs/deploy.md, "TLS").
  const healthPort = (container.ports.find((port) => port.name === "health") || {}).containerPort;
  const envValue = (variable) => ((container.env || []).find((entry) => entry.name === variable) || {}).value;
  rule(healthPort && (envValue("IPRAKTIK_HEALTH_ADDRESS") || "").endsWith(`:${healthPort}`),
    `${name}: needs a port named health that IPRAKTIK_HEALTH_ADDRESS opens`);
  const readiness = (container.readinessProbe || {}).grpc;
  const liveness = (container.livenessProbe || {}).grpc;
  rule(readiness && readiness.port === healthPort && !readiness.service,
    `${name}: readiness must be the gRPC health check of the server ("") on its health port`);
  rule(liveness && liveness.port === healthPort && liveness.service === "liveness",
    `${name}: liveness must be the gRPC health check "liveness" on its health port`);
  // TLS on: the files the settings name are in Secrets mounted at their folders.
  const mountedSecret = (file) => {
    const folder = path.posix.dirname(file || "");
    const mount = (container.volumeMounts || []).find((m) => m.mountPath === folder);
    const volume = mount && (pod.volumes || []).find((v) => v.name === mount.name);
    return volume && volume.secret && volume.secret.secretName;
  };
  rule(settings.IPRAKTIK_TLS === "on", `${name}: IPRAKTIK_TLS must be on`);
  for (const variable of ["IPRAKTIK_TLS_CERT", "IPRAKTIK_TLS_KEY", "IPRAKTIK_TLS_CA"]) {
    rule(mountedSecret(settings[variable]), `${name}: ${variable} (${settings[variable]}) is not in a mounted Secret`);
  }
  rule(mountedSecret(settings.IPRAKTIK_TLS_CERT) === `${workload.metadata.name}-tls`,
    `${name}: its certificate must come from its own Secret ${workload.metadata.name}-tls`);
  rule(pod.terminationGracePeriodSeconds > seconds(settings.IPRAKTIK_SHUTDOWN_TIMEOUT),
    `${name}: terminationGracePeriodSeconds must outlast IPRAKTIK_SHUTDOWN_TIMEOUT (${settings.IPRAKTIK_SHUTDOWN_TIMEOUT})`);
  for (const variable of container.env || []) {
    if (variable.name.startsWith("IPRAKTIK_")) {
      rule(documented.has(variable.name), `${name} sets ${variable.name}, which docs/operations.md does not list`);
    }
    rule(!secretSettings.has(variable.name) || (variable.valueFrom && variable.valueFrom.secretKeyRef),
      `${name}: ${variable.name} is a secret: set it from a Secret (secretKeyRef)`);
  }
  // Every service keys the digests of API keys and links with the one secret, so a key works
  // everywhere (docs/operations.md, IPRAKTIK_TOKEN_SECRET): never the public development default.
  const secretRef = (variable) =>
    (((container.env || []).find((entry) => entry.name === variable) || {}).valueFrom || {}).secretKeyRef;
  const tokenSecret = secretRef("IPRAKTIK_TOKEN_SECRET");
  rule(tokenSecret && tokenSecret.name === "ipraktik-tokens" && tokenSecret.key === "secret",
    `${name}: IPRAKTIK_TOKEN_SECRET must come from Secret ipraktik-tokens (key secret)`);
  for (const variable of serviceKeys[workload.metadata.name] || []) {
    rule(secretRef(variable), `${name}: needs ${variable} (its service key) from a Secret`);
  }
  for (const source of container.envFrom || []) {
    rule(!source.configMapRef || named("ConfigMap", source.configMapRef.name),
      `${name}: ConfigMap ${source.configMapRef && source.configMapRef.name} is not in the overlay`);
  }
  const image = /^(.*\/)?ipraktik\/([a-z-]+):([^:@/]+)$/.exec(container.image);
  rule(image && image[3] !== "latest", `${name}: image ${container.image} needs a release tag (overlay images:)`);
  if (image) ipraktikTags.add(image[3]);
  rule(
    ofKind("HorizontalPodAutoscaler").some((hpa) => hpa.spec.scaleTargetRef.name === workload.metadata.name) ||
      ofKind("ScaledObject").some((scaled) => scaled.spec.scaleTargetRef.name === workload.metadata.name),
    `${name}: nothing scales it (HorizontalPodAutoscaler or ScaledObject)`);
}
// The services follow a Redis failover through the Sentinels, and wait for a replica to confirm
// each write: at least one, and never more than the replicas there are.
const sentinelSet = named("StatefulSet", "ipraktik-redis-sentinel");
const redisNodes = named("StatefulSet", "ipraktik-redis-node");
const sentinels = (settings.IPRAKTIK_REDIS_SENTINELS || "").split(",").filter(Boolean);
rule(sentinelSet && sentinels.length === sentinelSet.spec.replicas &&
  sentinels.every((entry, i) => entry === `ipraktik-redis-sentinel-${i}.${sentinelSet.spec.serviceName}:26379`),
"IPRAKTIK_REDIS_SENTINELS must name every pod of StatefulSet ipraktik-redis-sentinel (host:26379)");
const waitReplicas = Number(settings.IPRAKTIK_REDIS_WAIT_REPLICAS);
rule(redisNodes && waitReplicas >= 1 && waitReplicas < redisNodes.spec.replicas,
  "IPRAKTIK_REDIS_WAIT_REPLICAS must be at least 1 and less than the Redis nodes");
rule(ipraktikTags.size === 1, `the ipraktik images must carry one tag, not ${[...ipraktikTags].join(", ") || "none"}`);

rule(ofKind("NetworkPolicy").some((policy) =>
  Object.keys(policy.spec.podSelector || {}).length === 0 && !policy.spec.ingress && !policy.spec.egress &&
  ["Ingress", "Egress"].every((type) => (policy.spec.policyTypes || []).includes(type))),
"no default-deny NetworkPolicy (all pods, Ingress and Egress, no rule)");

// The matching workers scale on the job queue the code declares.
const jobQueue = /kJobQueue = "([^"]+)"/.exec(
  fs.readFileSync(path.join(root, "libs/jobs/include/ipraktik/jobs/job_queue.h"), "utf8"))[1];
for (const scaled of ofKind("ScaledObject")) {
  rule(scaled.spec.minReplicaCount >= 1, `${nameOf(scaled)}: minReplicaCount must be at least 1`);
  for (const trigger of scaled.spec.triggers) {
    if (trigger.type === "rabbitmq") {
      const metadata = trigger.metadata || {};
      rule(metadata.queueName === jobQueue && metadata.mode === "QueueLength" && metadata.protocol === "http",
        `${nameOf(scaled)}: its rabbitmq trigger must follow the length of ${jobQueue} over http (jobs running included)`);
    }
    rule(trigger.authenticationRef && named("TriggerAuthentication", trigger.authenticationRef.name),
      `${nameOf(scaled)}: its ${trigger.type} trigger needs a TriggerAuthentication of the overlay`);
  }
}
for (const cluster of ofKind("RabbitmqCluster")) {
  const rabbitmq = cluster.spec.rabbitmq || {};
  rule(cluster.spec.replicas === 3, `${nameOf(cluster)}: three nodes`);
  rule(/^\s*consumer_timeout\s*=\s*[0-9]+\s*$/m.test(rabbitmq.additionalConfig || ""),
    `${nameOf(cluster)}: consumer_timeout must be set for the longest matching job`);
  rule((rabbitmq.additionalPlugins || []).includes("rabbitmq_prometheus"), `${nameOf(cluster)}: rabbitmq_prometheus plugin`);
}
rule(ofKind("RabbitmqCluster").length === 1, "one RabbitmqCluster");

// The Redis scripts parse as shell, and the proxy's configuration passes HAProxy's own check
// (Debian's haproxy, from make deps; its servers' names need not resolve here).
for (const configMap of ofKind("ConfigMap").filter((c) => c.metadata.name === "ipraktik-redis-config")) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "ipraktik-redis-config-"));
  try {
    for (const [key, text] of Object.entries(configMap.data)) {
      const file = path.join(folder, key);
      fs.writeFileSync(file, text);
      const check = key.endsWith(".sh")
        ? spawnSync("sh", ["-n", file], { encoding: "utf8" })
        : key === "haproxy.cfg"
          ? spawnSync("/usr/sbin/haproxy", ["-c", "-f", file], { encoding: "utf8", env: { REDIS_PASSWORD: "check" } })
          : { status: 0 };
      rule(check.status === 0, `${nameOf(configMap)} ${key}: ${[check.error, check.stderr, check.stdout].filter(Boolean).join(" ").trim()}`);
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

if (objects.length === 0) problems.push("no objects to validate");
for (const problem of problems) console.error(problem);
console.log(`${objects.length} objects, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
