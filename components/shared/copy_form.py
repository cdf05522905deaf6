"""The "Copy to project…" question, shared by hog functions and batch exports: the project to
copy into (the key's other projects), the copy's name, and one password field per secret the
copy needs, since PostHog never gives a stored secret back. Also where the last copy is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.shared import data
from components.shared.actions import Action, Confirm, Target, declare
from components.shared.feedback import explain
from components.shared.text import plain
from services import PostHogClient
from services.copies import (
    IntegrationNeeded,
    SecretNeeded,
    copy_name,
    journal_changes,
    secret_problems,
)
from services.errors import PostHogError
from services.roles import Role

COPIED = "copied_to_project"  # {(resource, source id): (project words, PostHog address)}


def project_words(project_id: int, name: str) -> str:
    return f"project {project_id} · {name}" if name else f"project {project_id}"


def ask(
    client: PostHogClient,
    target: Target,
    *,
    needed: list[SecretNeeded],
    label_of: Callable[[SecretNeeded], str] = lambda secret: secret.label or secret.key,
    name_limit: int | None = None,
    switched_off: str,
    integrations: list[IntegrationNeeded] = (),
) -> dict | None:
    """Draw the form; its params once the copy can be created, else None (Copy disabled)."""
    key = f"copy_{target.resource}_{target.id}"
    try:
        projects = [p for p in data.projects(client) if p.id != client.project_id]
        here = data.current_project(client).name
    except PostHogError as exc:
        st.error(plain(f"The key's projects could not be read: {explain(exc)}"))
        return None
    if not projects:
        st.info("This API key reaches no other project to copy into.")
        return None
    project = st.selectbox(
        "Copy into project",
        projects,
        format_func=lambda p: f"{p.name} (project {p.id})",
        key=f"{key}_project",
    )
    name = st.text_input("Name of the copy", value=copy_name(target.name), key=f"{key}_name")
    ready = True
    if not name.strip():
        st.error("Give the copy a name.", icon=":material/error:")
        ready = False
    elif name_limit and len(name.strip()) > name_limit:
        st.error(f"At most {name_limit} characters.", icon=":material/error:")
        ready = False
    st.caption(f"The copy is created {switched_off}: switch it on there once it is ready.")
    secrets: dict[str, str] = {}
    if needed:
        st.markdown(
            "**Secrets.** PostHog never gives a stored secret back, so type each one for the "
            "new project. An optional one left empty is not set."
        )
    for secret in needed:
        label = label_of(secret) + (" (required)" if secret.required else " (optional)")
        secrets[secret.key] = st.text_input(
            label, type="password", key=f"{key}_secret_{secret.key}"
        )
    picked, missing = _integrations(client, project, integrations, key=key)
    problems = secret_problems(needed, secrets)
    for secret in needed:
        if secret.key in problems:
            where = label_of(secret)
            message = (
                f"{where}: a secret cannot be only spaces."
                if secrets[secret.key]
                else f"{where} is required: type its value for {project.name}."
            )
            st.error(plain(message), icon=":material/key:")
    if problems or missing or not ready:
        return None
    return {
        "project_id": project.id,
        "project": project_words(project.id, project.name),
        "source_project": project_words(client.project_id, here),
        "posthog": f"{client.host}/project/{project.id}",
        "name": name.strip(),
        "secrets": {k: v for k, v in secrets.items() if v},
        "integrations": picked,
    }


def _integrations(
    client: PostHogClient, project, needed: list[IntegrationNeeded], *, key: str
) -> tuple[dict[str, int], bool]:
    """One picker per integration input, from the target project's integrations of its kind
    (the source's belong to the source project). The ids picked, and whether a required one
    is still missing."""
    if not needed:
        return {}, False
    st.markdown(
        "**Integrations.** An integration belongs to its project: pick the one the copy uses "
        f"in {plain(project.name)}. An optional one left empty is not set."
    )
    picked: dict[str, int] = {}
    missing = False
    there = client.in_project(project.id)
    for need in needed:
        label = (need.label or need.key) + (" (required)" if need.required else " (optional)")
        try:
            choices = {i.id: i for i in data.integrations(there, need.kind)}
        except PostHogError as exc:
            st.error(plain(f"{label}: the integrations could not be listed: {explain(exc)}"))
            missing = missing or need.required
            continue
        if not choices:
            words = f"{project.name} has no {need.kind} integration: connect one in PostHog"
            st.warning(plain(f"{label}: {words}."), icon=":material/link_off:")
            missing = missing or need.required
            continue
        chosen = st.selectbox(
            label,
            list(choices),
            index=None,
            format_func=lambda i, c=choices: c[i].label,
            key=f"{key}_integration_{need.key}",
            placeholder=f"Pick a {need.kind} integration",
        )
        if chosen is not None:
            picked[need.key] = int(chosen)
        elif need.required:
            missing = True
    return picked, missing


def declare_copy(
    *,
    resource: str,
    words: str,
    stale: tuple[str, ...],
    same: str,
    switched_off: tuple[str, bool, str],
    call: Callable[[PostHogClient, Target, dict], Any],
    ask_form: Callable[[PostHogClient, Target, dict], dict | None],
    page: Callable[[Any], str],
    keys: tuple[str, str],
) -> Action:
    """The "Copy to project…" action of a resource: `same` says what the copy keeps,
    `switched_off` is (field, value, word) of the state it is created in, and `page(copy)` its
    address under the target project in PostHog."""
    field, value, word = switched_off
    return declare(
        key=f"{resource}.copy",
        words=words,
        resource=resource,
        role=Role.ADMIN,
        call=call,
        stale=stale,  # every connection's lists, the target project's too
        done=lambda t, p, copy: done(t, p, copy, switched_off=word),
        failed="Could not copy {name}",
        confirm=Confirm(
            title="Copy to another project",
            body=lambda t, _p, _r: (
                f"A copy of **{plain(t.name)}** is created in the project you pick, with the "
                f"same {same}."
            ),
            button="Copy",
            extra=ask_form,
            width="medium",
            keys=keys,
        ),
        changes=lambda t, p: changes(t, p, switched_off=(field, value)),
        result_changes=copy_id,
        on_done=lambda t, p, copy: keep_link(t, p, f"{p['posthog']}/{page(copy)}"),
    )


def changes(target: Target, params: dict, *, switched_off: tuple[str, bool]) -> dict:
    """The journal's entry in both projects' terms; a secret only as "set"."""
    return journal_changes(
        source_project=params["source_project"],
        source=f"{target.name} ({target.id})",
        target_project=params["project"],
        copy=params["name"],
        switched_off=switched_off,
        secrets=params["secrets"],
        integrations=params.get("integrations"),
    )


def copy_id(_target: Target, params: dict, copy) -> dict:
    """Once PostHog has answered: the copy's id, in the target project's terms."""
    return {
        "copied to": {"before": None, "after": f"{params['project']} · {copy.name} ({copy.id})"}
    }


def done(target: Target, params: dict, copy, *, switched_off: str) -> str:
    return (
        f"Copied {target.name} to {params['project']} as “{copy.name}”, {switched_off}. "
        "Open it in PostHog from the link under Copy to project."
    )


def keep_link(target: Target, params: dict, url: str) -> None:
    """Where the last copy of this object went, for `show_last`."""
    st.session_state.setdefault(COPIED, {})[(target.resource, target.id)] = (
        params["project"],
        url,
    )


def show_last(resource: str, object_id: str, *, where=st) -> None:
    """The copy made from this object in this session, with a link to it in PostHog."""
    kept = st.session_state.get(COPIED, {}).get((resource, object_id))
    if kept:
        project, url = kept
        where.caption(plain(f"Last copy: in {project}."))
        where.link_button("Open the copy in PostHog", url, icon=":material/open_in_new:")
