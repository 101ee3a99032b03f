"""The courses part of the JSON API: the catalog, learning and grading, each in its module;
their schemas in `schemas`. Handlers parse, authorise and call the rules."""

from ninja import Router

from courses.api import catalog, cohorts, grading, learning

router = Router()
router.add_router("", catalog.router)
router.add_router("", learning.router)
router.add_router("", grading.router)
router.add_router("", cohorts.router)

routers = (router, catalog.router, learning.router, grading.router, cohorts.router)


def operations():
    """(path, path view) of every operation of the courses API, for listing them."""
    for each in routers:
        yield from each.path_operations.items()
