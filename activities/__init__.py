"""Everything with I/O that workflows need: read-model writes, routing, deadlines, notices, publication.

Activities are methods of small classes holding their dependencies (engine, settings), so the worker
and tests build them with the database they want. `build_activities` is the one list the worker runs.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from core.config import Settings


def build_activities(engine: Engine, settings: Settings) -> list:
    from activities.deadlines import DeadlineActivities
    from activities.evaluation import evaluation_activities
    from activities.hotline_import import HotlineImportActivities
    from activities.notices import NoticeActivities
    from activities.publication import PublicationActivities
    from activities.read_model import ReadModelActivities
    from activities.routing import RoutingActivities

    deadlines = DeadlineActivities(engine, settings)
    hotline_import = HotlineImportActivities(engine, settings)
    notices = NoticeActivities(engine)
    publication = PublicationActivities(engine)
    read_model = ReadModelActivities(engine)
    routing = RoutingActivities(engine, settings)
    return [
        deadlines.compute_deadlines,
        deadlines.plan_clocks,
        notices.send_notice,
        publication.publish_case,
        publication.propose_catalog_change,
        read_model.record_event,
        routing.propose_routing,
        routing.plan_dispatch,
        routing.learn_routing,
        *evaluation_activities(engine, settings),
        hotline_import.file_import_batch,
        hotline_import.finish_import,
    ]
