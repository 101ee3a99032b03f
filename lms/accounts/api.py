"""API routes for tokens and learner registration."""

from ninja import Router, Schema, Status
from ninja.errors import HttpError

from .services import api_token_issue, learner_register

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class RegisterIn(Schema):
    username: str
    email: str
    password: str
    full_name: str
    preferred_language: str = "en"


class AccountOut(Schema):
    id: int
    username: str
    email: str
    full_name: str
    role: str


@router.post("/token", response=TokenOut, auth=None)
def token(request, payload: TokenIn):
    raw = api_token_issue(username=payload.username, password=payload.password)
    if raw is None:
        raise HttpError(401, "Wrong username or password.")
    return {"token": raw}


@router.post("/register", response={201: AccountOut}, auth=None)
def register(request, payload: RegisterIn):
    if payload.preferred_language not in ("en", "zh-hans"):
        raise HttpError(400, "preferred_language must be 'en' or 'zh-hans'.")
    user = learner_register(**payload.dict())
    return Status(201, user)
