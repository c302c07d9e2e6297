"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import AppraisalViewSet, AttachmentViewSet, MeetingViewSet, RectificationItemViewSet, TalkViewSet

ROUTES = [
    ("meetings", MeetingViewSet, "meeting"),
    ("talks", TalkViewSet, "talk"),
    ("appraisals", AppraisalViewSet, "appraisal"),
    ("meeting-attachments", AttachmentViewSet, "attachment"),
    ("rectification-items", RectificationItemViewSet, "rectification-item"),
]
