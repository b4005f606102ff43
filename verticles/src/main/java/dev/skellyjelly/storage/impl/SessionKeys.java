package dev.skellyjelly.storage.impl;

/**
 * Session keys (schema level 7): the tables filled per session and time hold a session as {@code sessions.sk}, a
 * small integer given in order of arrival, so that a new session's rows go to the end of each table and index. The
 * statements that turn an id into its key, for the writer, the read side and tools that write the schema directly.
 */
public final class SessionKeys {

  /** A session's key as an expression of one parameter, the session's id: null until {@link #ADD} made its row. */
  public static final String OF_ID = "(SELECT sk FROM sessions WHERE session_id = ?)";
  /** A session's row, made once, with the next key; binds the session's id. */
  public static final String ADD = "INSERT OR IGNORE INTO sessions (session_id) VALUES (?)";

  private SessionKeys() {
  }
}
