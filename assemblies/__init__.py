"""The domain of assemblies, one Django app per role (see docs/architecture.md):

- `accounts`: the people who use the site (label `deliberate`, which it had before the split);
- `audit`: the hash-chained record of convenors' and moderators' acts;
- `membership`: assemblies, members and roles, invitations, spaces and phases, notifications (label
  `assemblies`);
- `roadmap`: the versioned roadmap, contributions and editions, with its pure core;
- `debates`: debates, moderation and live sessions, with their WebSocket consumers;
- `common`: what every app of the domain shares (the domain errors, the events, text cleaning, rate limits).
"""
