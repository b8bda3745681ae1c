"""Settings of the benchmark server: the project's own, plus the reference endpoints.

The references (``benchmarks/references.py``) exist only to be measured
against; they are mounted by ``benchmarks/urls.py`` and never by the product.
Importing every name of the project's settings keeps the benchmark server
identical to a production one in all but its URL configuration.
"""

from heritage.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
