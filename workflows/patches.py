"""The workflow.patched ids: behaviour changes that running cases and stored histories replay around.

A case started before a change replays its history the old way and takes the new way from its next
workflow task on (Temporal records the patch marker then). Never reuse or rename an id.
"""

RULING_KEEPS_COOPERATING = "consultation-ruling-keeps-cooperating"
# Issue 17, fair clocks: the closure counts from the first moment the unit could be asked to work
# (one local activity plans the acceptance limit and the checkpoints); no checkpoint judges an
# acceptance that is not yet due; a timer's event carries its due time; an acceptance overdue is an
# escalation in the audit log too; the clock loop fires what is due when it wakes.
FAIR_CLOCKS = "fair-clocks"
# Issue 17, extensions: a grant is counted; one ruled after the closure deadline runs from the ruling
# (a fifth checkpoint watches it) and lifts the overdue mark the waiting earned, instead of keeping the
# passed deadline.
EXTENSION_RULES = "extension-rules"
# Issue 17, bounces: a bounce is asked within its window after dispatch; while it waits for a ruling the
# acceptance clock and the checkpoints do not count it as unaccepted; a denial gives the unit back the
# acceptance time it had left when it asked.
BOUNCE_RULES = "bounce-rules"
# Issue 18, return visits (回访): after the rating, a dissatisfied, unrated or unconfirmed case (and a share of
# the rest, at random) waits for the 12345 centre's call back before it closes; the answer is the rating.
RETURN_VISITS = "return-visits"
# Issue 18, merged duplicates: a merged ticket tells the case it joins, whose complainants then all rate it.
MERGE_FOLLOWS = "merge-follows"
# Issue 19, intake at scale: routing runs as a local activity in the workflow task that received the case (no
# activity task and second workflow task on the server for each case; the proposal is ready sooner).
LOCAL_ROUTING = "local-routing"
# Issue 19, loop efficiency: a transition that leaves the search attributes as they were upserts nothing (each upsert is
# an event and a visibility write on the server).
SEARCH_ATTRIBUTES_ON_CHANGE = "search-attributes-on-change"
