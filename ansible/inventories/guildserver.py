#!/usr/bin/env python3
"""Ansible dynamic inventory: GuildServer's game servers, read from its API.

Usage:  ansible-playbook -i inventories/guildserver.py playbooks/<game>.yml --limit <server id>
        ./inventories/guildserver.py --list        (what Ansible reads)

The API comes from API_URL and API_TOKEN (a `read`-scope token is enough), or, when they are unset, from the
local stack's data/stack.json (another file: GS_STATE_FILE). Hosts are server ids; every host carries its
name, game, guild, owner, state, size and ports as `guildserver_*` variables (the
same the API passes to the playbooks), and `ansible_host` once the VM has an
address. Groups: `guildserver` (all), `game_<game>`, `guild_<guild id>`, `state_<state>`.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(sentence):
    sys.stderr.write(f"guildserver inventory: {sentence}\n")
    sys.exit(1)


def api_settings():
    url, token = os.environ.get("API_URL"), os.environ.get("API_TOKEN")
    if url and token:
        return url.rstrip("/"), token
    state_file = os.environ.get("GS_STATE_FILE") or os.path.join(REPO, "data", "stack.json")
    try:
        with open(state_file, encoding="utf-8") as handle:
            state = json.load(handle)
        return state["apiUrl"].rstrip("/"), state["token"]
    except (OSError, ValueError, KeyError):
        fail("set API_URL and API_TOKEN (a read-scope token: `pnpm gs token create --name ansible --scope read`), "
             f"or start the local stack so that {state_file} exists.")


def servers(url, token):
    cursor = None
    while True:
        query = {"limit": "100"}
        if cursor:
            query["cursor"] = cursor
        request = urllib.request.Request(
            f"{url}/v1/servers?{urllib.parse.urlencode(query)}",
            headers={"authorization": f"Bearer {token}", "accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                page = json.load(response)
        except urllib.error.HTTPError as error:
            try:
                message = json.load(error)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = f"HTTP {error.code}"
            fail(f"the API at {url} refused: {message}")
        except (urllib.error.URLError, OSError) as error:
            fail(f"the API at {url} cannot be reached ({getattr(error, 'reason', error)}); check API_URL.")
        yield from page["servers"]
        cursor = page.get("nextCursor")
        if not cursor:
            return


def group_name(prefix, value):
    return f"{prefix}_{''.join(c if c.isalnum() else '_' for c in value.lower())}"


def inventory():
    url, token = api_settings()
    groups = {"guildserver": {"hosts": []}}
    hostvars = {}
    for server in servers(url, token):
        host = server["id"]
        groups["guildserver"]["hosts"].append(host)
        for name in (
            group_name("game", server["game"]),
            group_name("guild", server["guildId"]),
            group_name("state", server["state"]),
        ):
            groups.setdefault(name, {"hosts": []})["hosts"].append(host)
        # The same names and shapes the API's runner passes as extra vars, so a playbook reads one set of
        # variables whether the API runs it or an operator does.
        variables = {
            "guildserver_server_id": server["id"],
            "guildserver_server_name": server["name"],
            "guildserver_guild_id": server["guildId"],
            "guildserver_owner_id": server["ownerId"],
            "guildserver_game": server["game"],
            "guildserver_state": server["state"],
            "guildserver_vmid": server["vmid"],
            "guildserver_ports": [
                {"purpose": p["purpose"], "protocol": p["protocol"], "port": p["port"], "guest_port": p["guestPort"]}
                for p in server["ports"]
            ],
            "guildserver_size": {
                "cores": server["size"]["cores"],
                "memory_mib": server["size"]["memory"],
                "disk_gib": server["size"]["disk"],
            },
        }
        if server.get("ipv4"):
            variables["ansible_host"] = server["ipv4"]
        hostvars[host] = variables
    groups["_meta"] = {"hostvars": hostvars}
    return groups


def main(argv):
    if "--host" in argv:
        # Everything is in _meta already; Ansible only asks per host for inventories without it.
        print("{}")
        return
    if "--list" not in argv:
        fail("run with --list (what Ansible calls) or --host <server id>.")
    print(json.dumps(inventory(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
