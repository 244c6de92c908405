"""The per-user flood limit: a few answers, one "slow down" note, then silence until calm."""

from shebao.limits import Buckets, UserLimiter, Verdict


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_burst_of_forty_gets_the_burst_answered_and_exactly_one_note():
    clock = Clock()
    limiter = UserLimiter(burst=5, per_minute=20, clock=clock)
    bucket = limiter.new_bucket()
    verdicts = [limiter.check(bucket) for _ in range(40)]
    assert verdicts.count(Verdict.ANSWER) == 5
    assert verdicts.count(Verdict.NOTE) == 1
    assert verdicts[5] is Verdict.NOTE


def test_the_allowance_refills_at_the_per_minute_rate():
    clock = Clock()
    limiter = UserLimiter(burst=2, per_minute=6, clock=clock)
    bucket = limiter.new_bucket()
    assert [limiter.check(bucket) for _ in range(3)] == [Verdict.ANSWER, Verdict.ANSWER, Verdict.NOTE]
    clock.now += 10  # one message every 10 s
    assert limiter.check(bucket) is Verdict.ANSWER
    assert limiter.check(bucket) is Verdict.DROP  # still the same flood: no second note


def test_a_calm_user_gets_a_new_note_for_a_new_flood():
    clock = Clock()
    limiter = UserLimiter(burst=1, per_minute=60, clock=clock)
    bucket = limiter.new_bucket()
    assert [limiter.check(bucket) for _ in range(3)] == [Verdict.ANSWER, Verdict.NOTE, Verdict.DROP]
    clock.now += 5
    assert [limiter.check(bucket) for _ in range(3)] == [Verdict.ANSWER, Verdict.NOTE, Verdict.DROP]


def test_users_have_their_own_buckets():
    limiter = UserLimiter(burst=1, per_minute=1, clock=Clock())
    flooder, other = limiter.new_bucket(), limiter.new_bucket()
    for _ in range(10):
        limiter.check(flooder)
    assert limiter.check(other) is Verdict.ANSWER


def test_calm_users_are_forgotten_when_many_are_remembered_and_a_flooder_is_not():
    clock = Clock()
    buckets = Buckets(UserLimiter(burst=1, per_minute=60, clock=clock), keep=2)
    buckets.check("web", "calm")
    clock.now += 10  # "calm" refills within a second
    assert buckets.check("web", "flooder") is Verdict.ANSWER
    assert buckets.check("web", "newcomer") is Verdict.ANSWER  # full: "calm" is forgotten, not "flooder"
    assert len(buckets) == 2
    assert buckets.check("web", "flooder") is Verdict.NOTE
    assert buckets.check("telegram", "flooder") is Verdict.ANSWER  # another channel, another bucket
