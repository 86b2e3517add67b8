"""Building, answering and entering surveys: coordinators' pages under /staff/surveys/,
the public survey under the area's address (no sign-in; tests/test_url_access.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import answering, building, paper

urlpatterns: list[URLPattern] = [
    path("staff/surveys/", building.survey_list, name="list"),
    path("staff/surveys/new/", building.create_from_template, name="create"),
    path("staff/surveys/<uuid:public_id>/", building.survey_page, name="survey"),
    path("staff/surveys/<uuid:public_id>/change/", building.edit_details, name="edit"),
    path("staff/surveys/<uuid:public_id>/sections/", building.edit_sections, name="edit_sections"),
    path("staff/surveys/<uuid:public_id>/open/", building.open_survey, name="open"),
    path("staff/surveys/<uuid:public_id>/close/", building.close_survey, name="close"),
    path("staff/surveys/<uuid:public_id>/preview/", building.preview, name="preview"),
    path("staff/surveys/<uuid:public_id>/paper/", paper.enter_paper_return, name="paper"),
    path("<slug:slug>/survey/<uuid:public_id>/", answering.start, name="answer_start"),
    path("<slug:slug>/survey/<uuid:public_id>/<int:step>/", answering.step, name="answer_step"),
    path("<slug:slug>/survey/<uuid:public_id>/check/", answering.check, name="answer_check"),
    path("<slug:slug>/survey/<uuid:public_id>/thanks/", answering.thanks, name="answer_thanks"),
]
