app_name = "fourstrong"
urlpatterns: list = []
