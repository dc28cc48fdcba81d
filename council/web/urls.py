"""Public HTML pages of the council (readable reports). Placeholder until the reports land."""

urlpatterns: list = []
