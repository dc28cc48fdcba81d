"""Page-number pagination with a client-chosen page size (capped): `{"count", "next", "previous", "results"}`.

`page` and `page_size` are read strictly (portal.api.inputs): a value that is not a whole number in
its bounds is a 400 naming the parameter, never silently the default; a page past the last is a 404.
"""

from rest_framework.pagination import PageNumberPagination

from portal.api.inputs import MAX_ID, integer, query_value

MAX_PAGE_SIZE = 100


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # No `?page=last`: the schema says page is a whole number.
    last_page_strings = ()

    def get_page_size(self, request):
        return query_value(
            request.query_params,
            self.page_size_query_param,
            integer(minimum=1, maximum=self.max_page_size),
            default=self.page_size,
        )

    def get_page_number(self, request, paginator):
        return query_value(
            request.query_params, self.page_query_param, integer(minimum=1, maximum=MAX_ID), default=1
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1; a page past the last is a 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
