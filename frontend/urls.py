from django.urls import path, re_path

from frontend.views import (
    account,
    assemblies,
    audit,
    contributions,
    debates,
    decisions,
    editions,
    home,
    members,
    mine,
    notifications,
    polls,
    roadmap,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/profile/", account.profile, name="account_profile"),
    path("language/", account.set_language, name="set_language"),
    path("notifications/", notifications.index, name="notifications"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read"),
    # Assemblies and membership
    path("assemblies/new/", assemblies.create, name="assembly_create"),
    path("a/<slug:slug>/", assemblies.detail, name="assembly"),
    path("a/<slug:slug>/members/", members.index, name="assembly_members"),
    path("a/<slug:slug>/members/invite/", members.invite, name="assembly_invite"),
    path(
        "a/<slug:slug>/members/invitations/<int:pk>/revoke/",
        members.revoke_invitation,
        name="assembly_invitation_revoke",
    ),
    path("a/<slug:slug>/members/links/", members.create_join_link, name="assembly_join_link_create"),
    path("a/<slug:slug>/members/links/<int:pk>/revoke/", members.revoke_join_link, name="assembly_join_link_revoke"),
    path("a/<slug:slug>/members/requests/<int:pk>/", members.decide_join_request, name="assembly_join_request"),
    path("a/<slug:slug>/members/<int:user_id>/role/", members.set_role, name="assembly_member_role"),
    path("a/<slug:slug>/members/<int:user_id>/remove/", members.remove, name="assembly_member_remove"),
    path("a/<slug:slug>/join/", members.request_to_join, name="assembly_join"),
    path("a/<slug:slug>/leave/", members.leave, name="assembly_leave"),
    path("invitations/<str:token>/", members.accept_invitation, name="invitation_accept"),
    path("join/<str:token>/", members.join_by_link, name="join_link"),
    # Spaces and the roadmap
    path("a/<slug:slug>/s/<str:code>/", assemblies.space, name="space"),
    path("a/<slug:slug>/s/<str:code>/phase/", assemblies.set_phase, name="space_phase"),
    path("a/<slug:slug>/s/<str:code>/propose/", contributions.propose, name="propose"),
    path("a/<slug:slug>/roadmap/", roadmap.current, name="roadmap"),
    path("a/<slug:slug>/roadmap/import/", roadmap.import_document, name="roadmap_import"),
    path("a/<slug:slug>/roadmap/history/", roadmap.history, name="roadmap_history"),
    path("a/<slug:slug>/roadmap/diff/", roadmap.diff, name="roadmap_diff"),
    path("a/<slug:slug>/roadmap/v<int:number>/", roadmap.version, name="roadmap_version"),
    re_path(
        r"^a/(?P<slug>[-a-zA-Z0-9_]+)/roadmap/v(?P<number>[0-9]+)\.(?P<fmt>md|json|csv)$",
        roadmap.export,
        name="roadmap_export",
    ),
    path("a/<slug:slug>/items/<str:ref>/", roadmap.item, name="item"),
    path("a/<slug:slug>/items/<str:ref>/amend/", contributions.amend_item, name="amend_item"),
    path("a/<slug:slug>/items/<str:ref>/edit/", roadmap.edit_item, name="item_edit"),
    # Contributions
    path("a/<slug:slug>/c/<int:pk>/", contributions.detail, name="contribution"),
    path("a/<slug:slug>/c/<int:pk>/edit/", contributions.edit, name="contribution_edit"),
    path("a/<slug:slug>/c/<int:pk>/rebase/", contributions.rebase, name="contribution_rebase"),
    path("a/<slug:slug>/c/<int:pk>/amend/", contributions.amend_proposal, name="amend_proposal"),
    path("a/<slug:slug>/c/<int:pk>/withdraw/", contributions.withdraw, name="contribution_withdraw"),
    path("a/<slug:slug>/c/<int:pk>/support/", contributions.support, name="contribution_support"),
    path("a/<slug:slug>/c/<int:pk>/table/", contributions.table, name="contribution_table"),
    path("a/<slug:slug>/c/<int:pk>/decide/", contributions.decide, name="contribution_decide"),
]


# Debates (issue 5) -------------------------------------------------------------------------------------
_debate = "a/<slug:slug>/debates/<int:pk>/"
_message = _debate + "m/<int:message_id>/"
urlpatterns += [
    path("a/<slug:slug>/s/<str:code>/debate/", debates.space_debate, name="space_debate"),
    path("a/<slug:slug>/items/<str:ref>/debate/", debates.item_debate, name="item_debate"),
    path("a/<slug:slug>/c/<int:pk>/debate/", debates.contribution_debate, name="contribution_debate"),
    path(_debate, debates.debate, name="debate"),
    path(_debate + "post/", debates.post, name="debate_post"),
    path(_message, debates.message, name="debate_message"),
    path(_message + "edit/", debates.edit, name="debate_message_edit"),
    path(_message + "delete/", debates.delete, name="debate_message_delete"),
    path(_message + "react/", debates.react, name="debate_message_react"),
    path(_message + "flag/", debates.flag, name="debate_message_flag"),
    path(_message + "hide/", debates.hide, name="debate_message_hide"),
    path(_message + "restore/", debates.restore, name="debate_message_restore"),
    path("a/<slug:slug>/moderation/", debates.moderation_log, name="moderation_log"),
    path("a/<slug:slug>/audit/", audit.index, name="assembly_audit"),
    path("a/<slug:slug>/moderation/members/<int:user_id>/mute/", debates.mute, name="debate_mute"),
    path("a/<slug:slug>/moderation/members/<int:user_id>/unmute/", debates.unmute, name="debate_unmute"),
    path("a/<slug:slug>/sessions/", debates.sessions, name="live_sessions"),
    path("a/<slug:slug>/sessions/start/", debates.start_session, name="live_session_start"),
    path("a/<slug:slug>/sessions/<int:pk>/", debates.session, name="live_session"),
    path("a/<slug:slug>/sessions/<int:pk>/<slug:action>/", debates.session_action, name="live_session_action"),
]


# Polls (issue 4) ----------------------------------------------------------------------------------------
_poll = "polls/<str:public_id>/"
urlpatterns += [
    path("polls/my-key/", polls.voter_key, name="voter_key"),
    path("polls/a/<slug:slug>/", polls.poll_list, name="poll_list"),
    path("polls/a/<slug:slug>/new/", polls.poll_create, name="poll_create"),
    path("a/<slug:slug>/decisions/", decisions.index, name="assembly_decisions"),
    path(_poll, polls.poll_detail, name="poll"),
    path(_poll + "open/", polls.poll_open, name="poll_open"),
    path(_poll + "close/", polls.poll_close, name="poll_close"),
    path(_poll + "vote/", polls.poll_vote, name="poll_vote"),
    path(_poll + "vote-by-code/", polls.poll_vote_code, name="poll_vote_code"),
    path(_poll + "ballots", polls.poll_ballots, name="poll_ballots"),
    path(_poll + "receipts/<int:seq>/", polls.poll_receipt, name="poll_receipt"),
    path(_poll + "receipts/<int:seq>.json", polls.poll_receipt_json, name="poll_receipt_json"),
    path(_poll + "results/", polls.poll_results, name="poll_results"),
    path(_poll + "board/", polls.poll_board, name="poll_board"),
    path(_poll + "board.jsonl", polls.poll_board_jsonl, name="poll_board_jsonl"),
    path(_poll + "board-key.json", polls.poll_board_key, name="poll_board_key"),
]


# Outcomes: editions of the roadmap, a member's own contributions (issue 6) ------------------------------------
_editions = "a/<slug:slug>/roadmap/editions/"
urlpatterns += [
    path("accounts/contributions/", mine.index, name="my_contributions"),
    path(_editions, editions.index, name="roadmap_editions"),
    path(_editions + "new/", editions.new, name="roadmap_edition_new"),
    path(_editions + "<slug:edition_slug>/", editions.detail, name="roadmap_edition"),
    re_path(
        r"^a/(?P<slug>[-a-zA-Z0-9_]+)/roadmap/editions/(?P<edition_slug>[-a-zA-Z0-9_]+)\.(?P<fmt>md|json)$",
        editions.export,
        name="roadmap_edition_export",
    ),
]
