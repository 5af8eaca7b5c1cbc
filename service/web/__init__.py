"""The researcher's web workbench: static pages served by the API app (``service.web.routes``)."""
