#!/usr/bin/env python3
"""Ansible dynamic inventory: GuildServer's game servers, read from its API (GET /v1/inventory).

Usage:  ansible-playbook -i inventories/guildserver.py playbooks/<game>.yml --limit name_<server name>
        ./inventories/guildserver.py --list        (what Ansible reads)

The API comes from API_URL and API_TOKEN (a token with the `admin` scope: the host variables hold the servers'
generated passwords), or, when they are unset, from the local stack's data/stack.json (another file:
GS_STATE_FILE). The API builds the inventory with the same code that builds the worker's playbook variables:
hosts are server ids, their variables exactly what the worker passes (plus `ansible_host`), and the groups
`guildserver`, `game_<game>`, `guild_<guild id>`, `state_<state>` and `name_<server name>`.
A failure prints one sentence on stderr, which Ansible shows in its "Failed to parse" warning.
"""
import json
import os
import sys
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_TOKEN = "pnpm gs token create --name ansible --scope admin"


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
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        fail(f"set API_URL and API_TOKEN (an admin token: {ADMIN_TOKEN}), or start the local stack "
             f"(bash scripts/start.sh), which writes {state_file}.")


def inventory(url, token):
    request = urllib.request.Request(
        f"{url}/v1/inventory",
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            message = json.load(error)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {error.code}"
        fail(f"the API at {url} refused: {message}")
    except (urllib.error.URLError, OSError) as error:
        fail(f"the API at {url} cannot be reached ({getattr(error, 'reason', error)}); "
             "start it, or set API_URL to where it runs.")


def main(argv):
    if "--host" in argv:
        # Everything is in _meta already; Ansible only asks per host for inventories without it.
        print("{}")
        return
    if "--list" not in argv:
        fail("run with --list (what Ansible calls) or --host <server id>.")
    print(json.dumps(inventory(*api_settings()), indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
