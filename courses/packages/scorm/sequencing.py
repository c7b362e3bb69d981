"""SCORM 2004 sequencing, as far as real packages need it (plain Python, no ORM).

From a package's manifest model (:mod:`courses.packages.scorm.manifest`) and the officer's
state of each SCO (:class:`ItemState`, read from the stored run-time data), :func:`evaluate`
answers the package as the officer sees it now (:class:`Navigation`): every activity of
the default organization with its rolled-up status, whether it may be chosen from the
table of contents, whether it is skipped by flow, and the package's own completion and
success (the root's rollup). :func:`flow_target` answers a ``continue`` or ``previous``
request, :func:`choice_allowed` a ``choice``, :func:`start_target` where a new visit
begins.

What is implemented (IMS Simple Sequencing as SCORM 2004 3rd/4th edition uses it):

- control modes: ``choice`` (default on), ``flow`` (default off), ``forwardOnly``;
- pre-condition rules with the actions ``disabled``, ``skip``, ``hiddenFromChoice`` and
  ``stopForwardTraversal``; conditions ``satisfied``, ``objectiveStatusKnown``,
  ``objectiveMeasureKnown``, ``objectiveMeasureGreaterThan``/``LessThan``, ``completed``,
  ``activityProgressKnown``, ``attempted``, ``attemptLimitExceeded``, ``always``, with
  ``not`` and ``all``/``any`` combinations, on the primary or a named objective;
- objectives with global maps (``mapInfo``: read and write of satisfied status and
  normalized measure), shared between the package's activities (the Golf forced-order
  and pre/post-test examples rely on them);
- limit conditions (``attemptLimit``);
- rollup: rollup rules (``all``, ``any``, ``none``, ``atLeastCount``, ``atLeastPercent``;
  actions ``satisfied``, ``notSatisfied``, ``completed``, ``incomplete``) and, without
  rules, the spec's defaults (all children satisfied/completed); ``rollupObjectiveSatisfied``
  and ``rollupProgressCompletion`` flags; measure rollup weighted by
  ``objectiveMeasureWeight``; a primary objective satisfied by measure.

- post-condition rules as flow leaves an activity and the clusters it leaves with it:
  ``exitParent``, ``retry`` (the cluster begins again at its first deliverable leaf: the
  Golf remediation loop) and ``exitAll``.

Not implemented (no package seen uses them): exit-condition rules, the post-condition
actions ``continue``, ``previous`` and ``retryAll``, selection and randomization, time
limits, ``choiceExit`` restrictions beyond the table of contents, ``jump``. SCORM 1.2
packages and 2004 packages without sequencing get the defaults: every item chosen freely,
flow in document order, the package completed when every SCO is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .manifest import SCORM_12, effective_sequencing


@dataclass(frozen=True)
class ItemState:
    """What the officer's stored data says of one SCO."""

    completion: str = "not attempted"  # completed | incomplete | not attempted | unknown
    success: str = "unknown"  # passed | failed | unknown
    scaled: float | None = None
    attempts: int = 0
    order: int = 0
    """When the SCO was last written, relative to the others (greater is later): shared
    (global) objectives keep the latest write."""


@dataclass
class Activity:
    """One item of the organization, with its evaluated state."""

    identifier: str
    title: str
    depth: int
    launchable: bool
    visible: bool
    sequencing: dict[str, Any]
    parent: Activity | None = None
    children: list[Activity] = field(default_factory=list)
    # evaluated
    completion: str = "unknown"
    satisfied: bool | None = None
    measure: float | None = None
    attempts: int = 0
    disabled: bool = False
    skipped: bool = False
    hidden: bool = False
    stop_forward: bool = False
    local_objectives: dict[str, tuple[bool | None, float | None]] = field(default_factory=dict)

    @property
    def attempted(self) -> bool:
        return self.attempts > 0 or self.completion not in ("unknown", "not attempted")

    @property
    def completed(self) -> bool:
        return self.completion == "completed"

    @property
    def success(self) -> str:
        return {True: "passed", False: "failed"}.get(self.satisfied, "unknown")  # type: ignore[arg-type]

    def control(self, name: str, default: bool) -> bool:
        value = (self.sequencing.get("control_mode") or {}).get(name)
        return default if value is None else bool(value)

    def ancestors(self) -> Iterator[Activity]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass
class Navigation:
    """The package as the officer sees it now."""

    root: Activity
    activities: list[Activity]
    version: str = "2004"

    @property
    def leaves(self) -> list[Activity]:
        return [a for a in self.activities if a.launchable]

    def get(self, identifier: str) -> Activity | None:
        return next((a for a in self.activities if a.identifier == identifier), None)

    @property
    def completion(self) -> str:
        return self.root.completion

    @property
    def success(self) -> str:
        return self.root.success

    @property
    def scaled(self) -> float | None:
        return self.root.measure

    @property
    def done(self) -> bool:
        """Whether the package counts as finished: completed and not failed (a failed
        test can be taken again)."""
        return self.root.completion == "completed" and self.root.satisfied is not False

    def as_json(self) -> dict[str, Any]:
        """What the lesson page needs for the table of contents and the flow buttons."""
        return {
            "completion": self.root.completion,
            "success": self.root.success,
            "done": self.done,
            "items": {
                a.identifier: {
                    "completion": a.completion,
                    "success": a.success,
                    "choosable": choice_allowed(self, a.identifier),
                    "disabled": a.disabled,
                    "hidden": a.hidden,
                }
                for a in self.activities
            },
            # Where Previous and Continue lead from each SCO (null: flow does not allow it).
            "flow": {
                a.identifier: {
                    "previous": flow_target(self, a.identifier, "previous", version=self.version),
                    "continue": flow_target(self, a.identifier, "continue", version=self.version),
                }
                for a in self.leaves
            },
        }


# --- building the tree ----------------------------------------------------------------------


def _build(manifest: dict[str, Any]) -> Activity:
    organization = next(
        (
            o
            for o in manifest.get("organizations", [])
            if o.get("identifier") == manifest.get("default_organization")
        ),
        None,
    ) or {"identifier": "", "title": "", "items": [], "sequencing": None}
    collection = manifest.get("sequencing_collection") or {}
    root = Activity(
        identifier=organization.get("identifier") or "",
        title=organization.get("title") or "",
        depth=-1,
        launchable=False,
        visible=True,
        sequencing=effective_sequencing(organization.get("sequencing"), collection),
    )

    def add(parent: Activity, items: list[dict[str, Any]], depth: int) -> None:
        for item in items:
            node = Activity(
                identifier=item["identifier"],
                title=item.get("title") or item["identifier"],
                depth=depth,
                launchable=bool(item.get("launchable")),
                visible=item.get("is_visible", True) is not False,
                sequencing=effective_sequencing(item.get("sequencing"), collection),
                parent=parent,
            )
            parent.children.append(node)
            add(node, item.get("children") or [], depth + 1)

    add(root, organization.get("items") or [], 0)
    return root


def _preorder(node: Activity) -> Iterator[Activity]:
    yield node
    for child in node.children:
        yield from _preorder(child)


# --- objectives -------------------------------------------------------------------------------


def _objectives(activity: Activity) -> list[tuple[str, dict[str, Any], bool]]:
    """(objective id, objective, is primary) of an activity."""
    objectives = activity.sequencing.get("objectives") or {}
    found = []
    primary = objectives.get("primary_objective")
    if primary:
        found.append((primary.get("objective_id") or "", primary, True))
    for objective in objectives.get("objectives") or []:
        found.append((objective.get("objective_id") or "", objective, False))
    return found


def _primary_by_measure(activity: Activity) -> tuple[bool, float]:
    primary = (activity.sequencing.get("objectives") or {}).get("primary_objective") or {}
    minimum = primary.get("min_normalized_measure")
    return bool(primary.get("satisfied_by_measure")), float(1.0 if minimum is None else minimum)


def _apply_read_maps(activity: Activity, globals_: dict[str, list[Any]]) -> None:
    """Local objective statuses, the primary one's read maps overriding the activity's own
    status when the global is known (as the spec's objective read does)."""
    activity.local_objectives = {}
    for objective_id, objective, primary in _objectives(activity):
        satisfied = activity.satisfied if primary else None
        measure = activity.measure if primary else None
        for mapping in objective.get("map_info") or []:
            target = globals_.get(mapping.get("target_objective_id") or "")
            if target is None:
                continue
            if mapping.get("read_satisfied_status", True) and target[0] is not None:
                satisfied = target[0]
            if mapping.get("read_normalized_measure", True) and target[1] is not None:
                measure = target[1]
        if primary:
            activity.satisfied, activity.measure = satisfied, measure
        activity.local_objectives[objective_id] = (satisfied, measure)


def _apply_write_maps(activity: Activity, globals_: dict[str, list[Any]]) -> None:
    for _objective_id, objective, primary in _objectives(activity):
        satisfied = activity.satisfied if primary else None
        measure = activity.measure if primary else None
        for mapping in objective.get("map_info") or []:
            target = globals_.setdefault(mapping.get("target_objective_id") or "", [None, None])
            if mapping.get("write_satisfied_status") and satisfied is not None:
                target[0] = satisfied
            if mapping.get("write_normalized_measure") and measure is not None:
                target[1] = measure


# --- rollup ----------------------------------------------------------------------------------


def _rollup_flags(child: Activity) -> tuple[bool, bool, float]:
    rules = child.sequencing.get("rollup_rules") or {}
    objective = rules.get("rollup_objective_satisfied")
    progress = rules.get("rollup_progress_completion")
    weight = rules.get("objective_measure_weight")
    return (
        True if objective is None else bool(objective),
        True if progress is None else bool(progress),
        1.0 if weight is None else float(weight),
    )


def _child_condition(child: Activity, condition: dict[str, Any]) -> bool:
    name = condition.get("condition") or ""
    value = {
        "satisfied": child.satisfied is True,
        "objectiveStatusKnown": child.satisfied is not None,
        "objectiveMeasureKnown": child.measure is not None,
        "completed": child.completed,
        "activityProgressKnown": child.completion not in ("unknown", "not attempted"),
        "attempted": child.attempted,
        "attemptLimitExceeded": _limit_exceeded(child),
        "always": True,
    }.get(name, False)
    return not value if condition.get("operator") == "not" else value


def _rule_fires(rule: dict[str, Any], children: list[Activity]) -> bool:
    conditions_block = rule.get("rollup_conditions") or {}
    conditions = conditions_block.get("conditions") or []
    combination = conditions_block.get("condition_combination") or "any"

    def holds(child: Activity) -> bool:
        results = [_child_condition(child, c) for c in conditions]
        if not results:
            return False
        return all(results) if combination == "all" else any(results)

    if not children:
        return False
    count = sum(1 for child in children if holds(child))
    kind = rule.get("child_activity_set") or "all"
    if kind == "all":
        return count == len(children)
    if kind == "any":
        return count > 0
    if kind == "none":
        return count == 0
    if kind == "atLeastCount":
        return count >= int(rule.get("minimum_count") or 0)
    if kind == "atLeastPercent":
        return count / len(children) >= float(rule.get("minimum_percent") or 0)
    return False


def _rollup(cluster: Activity) -> None:
    contributing_objective = [c for c in cluster.children if _rollup_flags(c)[0]]
    contributing_progress = [c for c in cluster.children if _rollup_flags(c)[1]]
    rules = (cluster.sequencing.get("rollup_rules") or {}).get("rules") or []

    def actions(*names: str) -> list[dict[str, Any]]:
        return [r for r in rules if ((r.get("rollup_action") or {}).get("action")) in names]

    # measure: weighted average of the children that have one
    weighted = [
        (c.measure, _rollup_flags(c)[2])
        for c in cluster.children
        if c.measure is not None and _rollup_flags(c)[2] > 0
    ]
    total_weight = sum(weight for _m, weight in weighted)
    cluster.measure = (
        sum(m * weight for m, weight in weighted) / total_weight if total_weight else None
    )
    by_measure, minimum = _primary_by_measure(cluster)
    if by_measure and cluster.measure is not None:
        cluster.satisfied = cluster.measure >= minimum
    else:
        satisfied_rules = actions("satisfied", "notSatisfied")
        if satisfied_rules:
            cluster.satisfied = None
            for rule in actions("notSatisfied"):
                if _rule_fires(rule, contributing_objective):
                    cluster.satisfied = False
            for rule in actions("satisfied"):
                if _rule_fires(rule, contributing_objective):
                    cluster.satisfied = True
        elif contributing_objective:
            if all(c.satisfied is True for c in contributing_objective):
                cluster.satisfied = True
            elif any(c.satisfied is False for c in contributing_objective):
                cluster.satisfied = False
            else:
                cluster.satisfied = None
    completion_rules = actions("completed", "incomplete")
    if completion_rules:
        cluster.completion = "unknown"
        for rule in actions("incomplete"):
            if _rule_fires(rule, contributing_progress):
                cluster.completion = "incomplete"
        for rule in actions("completed"):
            if _rule_fires(rule, contributing_progress):
                cluster.completion = "completed"
    elif contributing_progress:
        if all(c.completed for c in contributing_progress):
            cluster.completion = "completed"
        elif any(c.attempted for c in contributing_progress):
            cluster.completion = "incomplete"
        else:
            cluster.completion = "unknown"
    cluster.attempts = max((c.attempts for c in cluster.children), default=0)


# --- pre-condition rules -----------------------------------------------------------------------


def _limit_exceeded(activity: Activity) -> bool:
    limit = (activity.sequencing.get("limit_conditions") or {}).get("attempt_limit")
    return bool(limit) and activity.attempts >= int(limit)


def _objective_of(activity: Activity, reference: str | None) -> tuple[bool | None, float | None]:
    if reference and reference in activity.local_objectives:
        return activity.local_objectives[reference]
    return activity.satisfied, activity.measure


def _condition(activity: Activity, condition: dict[str, Any]) -> bool:
    name = condition.get("condition") or ""
    satisfied, measure = _objective_of(activity, condition.get("referenced_objective"))
    threshold = float(condition.get("measure_threshold") or 0)
    value = {
        "satisfied": satisfied is True,
        "objectiveStatusKnown": satisfied is not None,
        "objectiveMeasureKnown": measure is not None,
        "objectiveMeasureGreaterThan": measure is not None and measure > threshold,
        "objectiveMeasureLessThan": measure is not None and measure < threshold,
        "completed": activity.completed,
        "activityProgressKnown": activity.completion not in ("unknown", "not attempted"),
        "attempted": activity.attempted,
        "attemptLimitExceeded": _limit_exceeded(activity),
        "always": True,
    }.get(name, False)
    return not value if condition.get("operator") == "not" else value


def _fires(activity: Activity, rule: dict[str, Any]) -> bool:
    block = rule.get("rule_conditions") or {}
    results = [_condition(activity, c) for c in block.get("conditions") or []]
    if not results:
        return False
    return any(results) if block.get("condition_combination") == "any" else all(results)


def _pre_conditions(activity: Activity) -> None:
    rules = (activity.sequencing.get("sequencing_rules") or {}).get("pre_condition_rules") or []
    for rule in rules:
        if not _fires(activity, rule):
            continue
        action = (rule.get("rule_action") or {}).get("action")
        if action == "disabled":
            activity.disabled = True
        elif action == "skip":
            activity.skipped = True
        elif action == "hiddenFromChoice":
            activity.hidden = True
        elif action == "stopForwardTraversal":
            activity.stop_forward = True


# --- evaluation -------------------------------------------------------------------------------


def evaluate(manifest: dict[str, Any], states: dict[str, ItemState]) -> Navigation:
    """Every activity's state from the SCOs' states: leaves from their data, clusters by
    rollup, objectives through their global maps, then pre-condition rules."""
    root = _build(manifest)
    ordered = list(_preorder(root))
    leaves = [a for a in ordered if not a.children]
    for leaf in leaves:
        state = states.get(leaf.identifier, ItemState())
        leaf.completion = state.completion
        leaf.attempts = state.attempts
        leaf.satisfied = {"passed": True, "failed": False}.get(state.success)
        leaf.measure = state.scaled
        by_measure, minimum = _primary_by_measure(leaf)
        if by_measure and leaf.measure is not None:
            leaf.satisfied = leaf.measure >= minimum
    globals_: dict[str, list[Any]] = {}
    # The SCOs' own statuses are written to the shared objectives in the order they were
    # written (the latest attempt wins), then read back.
    recency = sorted(leaves, key=lambda leaf: states.get(leaf.identifier, ItemState()).order)
    for leaf in recency:
        _apply_write_maps(leaf, globals_)
    for leaf in leaves:
        _apply_read_maps(leaf, globals_)
    # Two passes: a cluster's write map may feed an activity read earlier in the tree.
    for _pass in range(2):
        for cluster in reversed(ordered):
            if cluster.children:
                _rollup(cluster)
                _apply_read_maps(cluster, globals_)
                _apply_write_maps(cluster, globals_)
    for activity in ordered:
        _apply_read_maps(activity, globals_)
        _pre_conditions(activity)
    return Navigation(
        root=root,
        activities=[a for a in ordered if a is not root],
        version=str(manifest.get("version") or "2004"),
    )


def _blocked(activity: Activity) -> bool:
    return activity.disabled or any(a.disabled for a in activity.ancestors())


def choice_allowed(navigation: Navigation, identifier: str) -> bool:
    """May the officer start this activity from the table of contents: a launchable
    activity, not disabled or hidden (nor any cluster above it), every cluster above it
    allowing choice."""
    activity = navigation.get(identifier)
    if activity is None or not activity.launchable or _blocked(activity):
        return False
    if activity.hidden or any(a.hidden for a in activity.ancestors()):
        return False
    return all(a.control("choice", True) for a in activity.ancestors())


def _flow_order(navigation: Navigation) -> list[Activity]:
    return navigation.leaves


def _flows(activity: Activity) -> bool:
    return all(a.control("flow", False) for a in activity.ancestors())


def flow_target(
    navigation: Navigation, current: str | None, direction: str, *, version: str
) -> str | None:
    """The activity a ``continue`` (direction ``"continue"``) or ``previous`` request
    delivers from ``current``, or None when flow does not allow it. SCORM 1.2 packages
    and 2004 packages without sequencing flow in document order."""
    leaves = _flow_order(navigation)
    free = version == SCORM_12 or not _has_sequencing(navigation)
    index = next((i for i, a in enumerate(leaves) if a.identifier == current), None)
    if index is None:
        return start_target(navigation, version=version) if direction == "continue" else None
    here = leaves[index]
    if not free:
        if not _flows(here):
            return None
        if direction == "previous" and any(
            a.control("forward_only", False) for a in here.ancestors()
        ):
            return None
    step = 1 if direction == "continue" else -1
    if direction == "continue" and not free:
        ending = _post_conditions(navigation, here, leaves[index + 1 :])
        if ending is not _FLOW_ON:
            return ending
    position = index + step
    while 0 <= position < len(leaves):
        candidate = leaves[position]
        if free:
            return candidate.identifier
        if direction == "continue" and (
            candidate.stop_forward or any(a.stop_forward for a in candidate.ancestors())
        ):
            return None
        if candidate.skipped or any(a.skipped for a in candidate.ancestors()):
            position += step
            continue
        if _blocked(candidate) or not _flows(candidate):
            return None
        return candidate.identifier
    return None


_FLOW_ON = object()


def _post_action(activity: Activity) -> str | None:
    rules = (activity.sequencing.get("sequencing_rules") or {}).get("post_condition_rules") or []
    for rule in rules:
        if _fires(activity, rule):
            return (rule.get("rule_action") or {}).get("action")
    return None


def _first_in(navigation: Navigation, cluster: Activity) -> str | None:
    """Where a new attempt on ``cluster`` begins: its first leaf flow delivers."""
    for leaf in navigation.leaves:
        if cluster not in leaf.ancestors():
            continue
        if leaf.skipped or any(a.skipped for a in leaf.ancestors()):
            continue
        return None if _blocked(leaf) else leaf.identifier
    return None


def _post_conditions(navigation: Navigation, here: Activity, after: list[Activity]) -> Any:
    """Post-condition rules as ``continue`` leaves ``here`` (the SCO just taken) and every
    cluster the flow leaves with it, innermost first: ``exitParent`` leaves the parent too,
    ``retry`` begins that activity again (its first leaf flow delivers, skipping what pre-
    condition rules skip, as a remediation loop needs), ``exitAll`` ends the package (no
    next activity). Answers the activity to deliver, None, or :data:`_FLOW_ON` when no rule
    changes ordinary flow."""
    following = next(
        (a for a in after if not (a.skipped or any(p.skipped for p in a.ancestors()))), None
    )
    node = here
    force_exit = False
    while node is not None:
        action = _post_action(node)
        if action == "retry":
            return node.identifier if node.launchable else _first_in(navigation, node)
        if action == "exitAll":
            return None
        force_exit = action == "exitParent"
        node = node.parent
        if node is None or node is navigation.root:
            break
        if not force_exit and following is not None and node in following.ancestors():
            break  # flow stays inside this cluster: it is not left
    return _FLOW_ON


def start_target(navigation: Navigation, *, version: str) -> str | None:
    """Where a visit starts: the first activity flow delivers, or (when the package's
    root does not flow) the first one the officer may choose."""
    leaves = _flow_order(navigation)
    free = version == SCORM_12 or not _has_sequencing(navigation)
    for leaf in leaves:
        if free:
            return leaf.identifier
        if leaf.skipped or any(a.skipped for a in leaf.ancestors()):
            continue
        if not _blocked(leaf):
            return leaf.identifier
    return next(
        (leaf.identifier for leaf in leaves if choice_allowed(navigation, leaf.identifier)), None
    )


def _has_sequencing(navigation: Navigation) -> bool:
    return any(a.sequencing for a in (navigation.root, *navigation.activities))
