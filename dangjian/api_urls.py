"""One API router; each app registers its viewsets in `<app>/api/urls.py` (ROUTES)."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
