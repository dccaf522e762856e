# Finds a Java 21 or newer for the build and the product. Sourced by ./streamkit and .ci/run.
# Prints the JAVA_HOME to use, or nothing (and returns 1) when none is installed.

streamkit_java_version() { # major version of the java in $1 (a JAVA_HOME), or 0
  local v="" line
  # Every JDK says its version in its release file; reading it costs nothing, starting a JVM does.
  if [ -r "$1/release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_VERSION=*) v=${line#JAVA_VERSION=\"}; v=${v#1.}; v=${v%%[!0-9]*}; break ;;
      esac
    done < "$1/release"
  fi
  [ -n "$v" ] || v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
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
