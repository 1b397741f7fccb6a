"use strict";
// A scheduler written with the npm package mesos-framework (unmodified):
// it subscribes to the master given in argv, launches one command task
// from an offer and prints every status update it receives as a JSON line.
// It tears the framework down and exits 0 once the task has finished.
var Scheduler = require("mesos-framework").Scheduler;
var Mesos = require("mesos-framework").Mesos.getMesos();

var host = process.argv[2], port = process.argv[3], user = process.argv[4];
var command = process.argv[5] || "echo hello-from-mesos-framework";

var scheduler = new Scheduler({
    masterUrl: host,
    port: port,
    frameworkName: "agora-compat",
    user: user,
    logging: { level: "warn" },
    tasks: {
        hello: {
            priority: 1,
            instances: 1,
            commandInfo: new Mesos.CommandInfo(null, null, true, command, null, null),
            resources: { cpus: 0.1, mem: 32, ports: 1, disk: 0 }
        }
    }
});

function out(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

scheduler.on("subscribed", function (obj) { out({ event: "subscribed", frameworkId: obj.frameworkId }); });
scheduler.on("task_launched", function (task) { out({ event: "task_launched", taskId: task.taskId }); });
scheduler.on("update", function (update) {
    var st = update.status;
    out({ event: "update", taskId: st.task_id.value, state: st.state, message: st.message || "",
          agentId: st.agent_id.value, uuid: st.uuid || null });
    if (st.state === "TASK_FINISHED") {
        scheduler.teardown();
        setTimeout(function () { process.exit(0); }, 500);
    }
});
scheduler.on("error", function (err) { out({ event: "error", message: err.message || String(err) }); });
scheduler.on("ready", function () { scheduler.subscribe(); });
setTimeout(function () { out({ event: "timeout" }); process.exit(2); }, 60000);
