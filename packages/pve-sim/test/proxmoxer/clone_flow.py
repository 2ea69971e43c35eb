"""Drives the simulator with proxmoxer, a real third-party Proxmox client, exactly as a user's script would.

clone -> configure cloud-init (incl. sshkeys) -> start -> wait for a guest-agent IPv4 -> stop -> delete.
Reads its target from the environment; prints one JSON object per step on stdout.
"""
import ipaddress
import json
import os
import sys
import time
import urllib.parse

from proxmoxer import ProxmoxAPI

NODE = "pve"
TEMPLATE = 9000


def step(name, **fields):
    print(json.dumps({"step": name, **fields}), flush=True)


def wait_task(pve, upid, deadline_s=60):
    node = upid.split(":")[1]
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        status = pve.nodes(node).tasks(upid).status.get()
        if status["status"] == "stopped":
            exit_status = status.get("exitstatus", "")
            if exit_status != "OK" and not exit_status.startswith("WARNINGS"):
                raise RuntimeError(f"task {upid} failed: {exit_status}")
            return exit_status
        time.sleep(0.02)
    raise TimeoutError(f"task {upid} still running")


def wait_ipv4(pve, vmid, deadline_s=60):
    end = time.monotonic() + deadline_s
    not_yet = set()
    while time.monotonic() < end:
        try:
            result = pve.nodes(NODE).qemu(vmid).agent("network-get-interfaces").get()["result"]
        except Exception as error:  # proxmoxer raises ResourceException with the reason phrase
            not_yet.add(str(error).split(":", 1)[-1].strip()[:60])
            time.sleep(0.02)
            continue
        for nic in result:
            if nic["name"] == "lo" or nic["name"].startswith(("docker", "veth", "br-")):
                continue
            for addr in nic.get("ip-addresses", []):
                if addr["ip-address-type"] == "ipv4" and ipaddress.ip_address(addr["ip-address"]).is_private:
                    return addr["ip-address"], sorted(not_yet)
        time.sleep(0.02)
    raise TimeoutError("no IPv4 from the guest agent")


def main():
    host, port = os.environ["PVE_HOST"], int(os.environ["PVE_PORT"])
    user, token = os.environ["PVE_TOKEN_ID"].split("!")
    pve = ProxmoxAPI(host, port=port, user=user, token_name=token, token_value=os.environ["PVE_TOKEN_SECRET"],
                     verify_ssl=os.environ["PVE_CA_FILE"])
    step("version", version=pve.version.get()["version"])

    vmid = int(pve.cluster.nextid.get())
    upid = pve.nodes(NODE).qemu(TEMPLATE).clone.post(newid=vmid, name="proxmoxer-flow", full=0)
    step("clone", vmid=vmid, upid=upid, exitstatus=wait_task(pve, upid))

    keys = os.environ["SSH_KEYS"]
    # PVE wants sshkeys URL-encoded once more before the form encoding (no '+' for spaces).
    upid = pve.nodes(NODE).qemu(vmid).config.post(
        ciuser="gamer", sshkeys=urllib.parse.quote(keys, safe=""), ipconfig0="ip=dhcp",
        net0="virtio,bridge=vmbr0,tag=10", cores=2, memory=2048, agent="enabled=1", tags="guildserver;gs-flow")
    step("configure", exitstatus=wait_task(pve, upid))
    config = pve.nodes(NODE).qemu(vmid).config.get()
    step("config", sshkeys=urllib.parse.unquote(config["sshkeys"]), net0=config["net0"], tags=config["tags"])

    upid = pve.nodes(NODE).qemu(vmid).status.start.post()
    step("start", exitstatus=wait_task(pve, upid))
    ip, not_yet = wait_ipv4(pve, vmid)
    step("ipv4", ip=ip, not_yet=not_yet)

    upid = pve.nodes(NODE).qemu(vmid).status.stop.post()
    step("stop", exitstatus=wait_task(pve, upid))
    upid = pve.nodes(NODE).qemu(vmid).delete(purge=1)
    step("delete", exitstatus=wait_task(pve, upid))
    remaining = [vm["vmid"] for vm in pve.cluster.resources.get(type="vm")]
    step("resources", vmids=remaining)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(json.dumps({"step": "error", "error": f"{type(error).__name__}: {error}"}), flush=True)
        sys.exit(1)
