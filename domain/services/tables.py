"""Reading any list one page at a time: permission, checked filters, one read-only session."""

from domain.access import Actor
from domain.db import reading
from domain.queries import tables as tables_q
from domain.tables import TablePage, TableQuery, TableSource, parse_filters


def fetch_page(actor: Actor, source: TableSource, query: TableQuery) -> TablePage:
    """One page of the rows the filters select, with how many rows they select and the totals of those rows.

    Raises PermissionDenied without the source's permission and ValidationFailed for a filter the source does not
    offer or a value that is not what its column holds. A sort key that is not a sortable column is ignored.
    """
    actor.require(source.permission)
    query = TableQuery(filters=query.filters, sort=query.sort, descending=query.descending, page=query.page,
                       page_size=query.page_size)  # re-applies the page size cap to a query built elsewhere
    filters = parse_filters(source, query.filters)
    with reading() as session:
        total_rows, totals = tables_q.count_and_totals(session, source, actor, filters)
        rows = tables_q.page_rows(
            session, source, actor, filters, sort=query.sort, descending=query.descending,
            limit=query.page_size, offset=(query.page - 1) * query.page_size,
        )
    return TablePage(rows=rows, total_rows=total_rows, totals=totals, page=query.page, page_size=query.page_size)
