"""Search attributes that make the Temporal UI useful to operators (status, unit, deadline, overdue).

Registered by the dev server launcher, the tests and docker-compose's setup; upserted by the workflow.
"""

from temporalio.common import SearchAttributeKey

TICKET_STATUS = SearchAttributeKey.for_keyword("TicketStatus")
UNIT = SearchAttributeKey.for_keyword("Unit")
DEADLINE = SearchAttributeKey.for_datetime("Deadline")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
COLOUR = SearchAttributeKey.for_keyword("Colour")

ALL = (TICKET_STATUS, UNIT, DEADLINE, OVERDUE, COLOUR)
