"""WEB_THREADS requests at a time run the hub's code; one that waits in a bulkhead's slot gives
its turn to another meanwhile, and a slot beyond the bulkhead's size is refused at once."""

import threading

from core.bulkheads import Slot, serving


class TestBulkheads:
    def test_one_more_request_than_web_threads_waits_for_its_turn(self, settings):
        settings.WEB_THREADS = 1
        leave, second_in = threading.Event(), threading.Event()

        def first() -> None:
            with serving():
                leave.wait(5)

        def second() -> None:
            with serving():
                second_in.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        threads[0].start()
        threads[1].start()
        waited = not second_in.wait(0.3)
        leave.set()
        for thread in threads:
            thread.join(5)

        assert waited
        assert second_in.is_set()

    def test_a_request_waiting_in_a_slot_gives_its_turn_to_another(self, settings):
        settings.WEB_THREADS = 1
        settings.TELEGRAM_WAITERS = 1
        second_in = threading.Event()

        def enter_then_flag() -> None:
            with serving():
                second_in.set()

        with serving():
            slot = Slot("TELEGRAM_WAITERS")
            assert slot.take()
            second = threading.Thread(target=enter_then_flag)
            second.start()
            assert second_in.wait(5)
            slot.release()
        second.join(5)

    def test_a_slot_beyond_the_bulkheads_size_is_refused_at_once(self, settings):
        settings.TELEGRAM_CONCURRENCY = 2
        slots = [Slot("TELEGRAM_CONCURRENCY") for _ in range(3)]

        taken = [slot.take() for slot in slots]
        for slot in slots:
            slot.release()

        again = Slot("TELEGRAM_CONCURRENCY")
        taken_again = again.take()
        again.release()

        assert taken == [True, True, False]
        assert taken_again

    def test_a_slot_asked_for_with_a_wait_gets_one_freed_meanwhile(self, settings):
        settings.REQUEST_BODY_READERS = 1
        holder, waiter = Slot("REQUEST_BODY_READERS"), Slot("REQUEST_BODY_READERS")
        assert holder.take()
        threading.Timer(0.05, holder.release).start()

        taken = waiter.take(wait=2)
        waiter.release()

        assert taken

    def test_a_slot_asked_for_with_a_wait_is_refused_once_the_wait_is_over(self, settings):
        settings.REQUEST_BODY_READERS = 1
        holder, waiter = Slot("REQUEST_BODY_READERS"), Slot("REQUEST_BODY_READERS")
        assert holder.take()

        taken = waiter.take(wait=0.05)
        holder.release()

        assert not taken

    def test_slots_of_another_purpose_are_counted_apart(self, settings):
        settings.REQUEST_BODY_READERS = 1
        reader = Slot("REQUEST_BODY_READERS")
        waiting = Slot("REQUEST_BODY_READERS", purpose=" waiting")

        taken = (reader.take(), waiting.take())
        reader.release()
        waiting.release()

        assert taken == (True, True)
