"""The problem codes the users domain answers with (kernel.problems registry, filled in UsersConfig.ready)."""

USER_PROBLEM_CODES = {
    "REQUIRED": "A required value is absent or blank.",
    "TOO_LONG": "A value is longer than its limit (the message says the limit).",
    "DUPLICATE": "The name is taken: usernames (ignoring case), or a company role's name in the company.",
    "INVALID_KEY": "A company role's name is not 1-100 lowercase letters, digits or _, starting with a letter.",
    "INVALID_USERNAME": "The username is not accepted; the message says why (letters, digits and @.+-_, at most 150).",
    "INVALID_EMAIL": "The value is not an email address.",
    "INVALID_PASSWORD": "The password is refused by the password rules (the message lists them).",
    "INVALID_CREDENTIALS": "Unknown username or wrong password (the two are answered alike).",
    "INVALID_TOKEN": "The refresh token is unknown, expired, revoked or not yours.",
    "TOO_MANY_ATTEMPTS": "Too many attempts from this client address or at this account; the message says when "
    "to retry.",
    "UNKNOWN_ROLE": "No system role, or no company role of the company, has this name.",
    "IN_USE": "The object is still used (a role granted by a ticket definition, a workflow used by ticket "
    "definitions); the message names the users.",
    "FORBIDDEN": "The change is not allowed to you, e.g. removing company_admin from yourself.",
}
