/** The one message for a failed sign-in: it never says whether the account exists. */
export const INVALID_LOGIN_MESSAGE = "Email or password is incorrect.";
