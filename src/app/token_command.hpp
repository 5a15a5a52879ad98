#pragma once
// `switchboard token ...`: mints a token for --auth jwt, for trying it out and for scripts.
// A real deployment mints them in its own backend (docs/deploy.md has Node and Python).

namespace switchboard {

// argv[1] is "token". Prints the token on stdout; returns the process exit code.
int run_token_command(int argc, char** argv);

} // namespace switchboard
