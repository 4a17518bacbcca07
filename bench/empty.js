// An empty module: bench/coldstart.ts times requiring it as the floor of any require.
