"""`partners token create USERNAME` and `partners account create USERNAME --role ROLE`."""

from __future__ import annotations

import argparse

from partners.cli import CommandError, print_json, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    token = subparsers.add_parser("token", help="API tokens")
    actions = token.add_subparsers(dest="token_command", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help="print a new API token for an account",
                                description="Creates a bearer token for USERNAME and prints it once.")
    create.add_argument("username")
    create.add_argument("--name", default="", help="a label to recognise the token by")
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=create_token)

    account = subparsers.add_parser("account", help="accounts")
    account_actions = account.add_subparsers(dest="account_command", metavar="ACTION")
    account_actions.required = True
    new = account_actions.add_parser(
        "create", help="create a real account and print its temporary password",
        description="Creates an account (e.g. the first administrator of a new deployment). The temporary "
                    "password is printed once; it must be changed, and two-factor sign-in set up, at first sign-in.")
    new.add_argument("username")
    new.add_argument("--role", required=True, help="care_partner, supervisor, practice_staff, system_leader, "
                                                    "researcher or administrator")
    new.add_argument("--organisation", default="", help="ODS code of the account's organisation")
    new.add_argument("--supervisor", default="", help="username of a Care Partner's supervisor")
    new.add_argument("--first-name", default="")
    new.add_argument("--last-name", default="")
    new.add_argument("--email", default="")
    new.add_argument("--json", action="store_true")
    new.set_defaults(func=create_account)


def create_token(args: argparse.Namespace) -> int:
    setup_django()
    from partners.accounts.models import User
    from partners.accounts.services import api_token_create

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CommandError(f"no account has the username {args.username!r}.")
    if not user.is_active:
        raise CommandError(f"the account {args.username!r} is not active.")
    token = api_token_create(user=user, name=args.name)
    if args.json:
        print_json({"username": user.username, "token": token})
    else:
        print(token)
    return 0


def create_account(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from partners.accounts.models import Role, User
    from partners.accounts.services import account_create
    from partners.audit.actor import Actor
    from partners.organisations.models import Organisation

    organisation_id = None
    if args.organisation:
        org = Organisation.objects.filter(ods_code=args.organisation.strip().upper()).first()
        if org is None:
            raise CommandError(f"--organisation: no organisation has the ODS code {args.organisation!r}.")
        organisation_id = org.pk
    supervisor_id = None
    if args.supervisor:
        sup = User.objects.filter(username=args.supervisor).first()
        if sup is None:
            raise CommandError(f"--supervisor: no account has the username {args.supervisor!r}.")
        supervisor_id = sup.pk
    # The command line acts as a system account, so the creation is audited like any other.
    system, _ = User.objects.get_or_create(username="system", defaults={"role": Role.ADMINISTRATOR,
                                                                        "is_active": False})
    try:
        user, temporary = account_create(
            actor=Actor.system(system), username=args.username, role=args.role, first_name=args.first_name,
            last_name=args.last_name, email=args.email, organisation_id=organisation_id,
            supervisor_id=supervisor_id)
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        raise CommandError(problems) from None
    if args.json:
        print_json({"username": user.username, "role": user.role, "temporary_password": temporary})
    else:
        print(f"Created {user.username} ({user.get_role_display()}). Temporary password: {temporary}")
    return 0
