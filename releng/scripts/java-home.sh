# Finds a Java 21 or newer for the build and the product. Sourced by ./streamkit and .ci/run.
# Prints the JAVA_HOME to use, or nothing (and returns 1) when none is installed.

streamkit_java_version() { # major version of the java in $1 (a JAVA_HOME), or 0
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v:-0}"
}

streamkit_java_home() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(streamkit_java_version "$candidate")" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
