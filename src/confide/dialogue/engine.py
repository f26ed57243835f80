"""The dialogue policy: answer, clarify, act, hand off, or say honestly it is out of scope.

The engine is a pure function of (message, state) plus injected collaborators: an intent
classifier, a knowledge index and actions. It stores nothing; the conversation service does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from confide.dialogue.actions import (
    FREE_TEXT,
    GUESSED,
    KNOWN_ORDER,
    Action,
    ActionContext,
    ActionStep,
    find_order_number,
    wants_to_cancel,
)
from confide.dialogue.commands import PrivacyCommand, PrivacyDesk, answer, recognise
from confide.dialogue.personal import (
    KnownOrder,
    Personal,
    explanation,
    product_words,
    when_said,
)
from confide.dialogue.state import DialogueState, PendingAction
from confide.knowledge.articles import Article, first_paragraph


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ACT = "act"
    HANDOFF = "handoff"
    OUT_OF_SCOPE = "out_of_scope"


class Prediction(Protocol):
    @property
    def intent(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def ranking(self) -> tuple[tuple[str, float], ...]: ...
    @property
    def out_of_scope(self) -> bool: ...


class IntentClassifier(Protocol):
    def predict(self, text: str) -> Prediction: ...


class PassageLike(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def score(self) -> float: ...


class Knowledge(Protocol):
    def search(self, query: str, k: int = 3) -> Sequence[PassageLike]: ...
    def article(self, article_id: str) -> Article | None: ...


@dataclass(frozen=True)
class Citation:
    article_id: str
    title: str


@dataclass
class Reply:
    text: str
    decision: Decision
    intent: str | None = None
    confidence: float | None = None
    citations: list[Citation] = field(default_factory=list)
    handoff: bool = False
    result: dict[str, str] = field(default_factory=dict)
    # What of the customer's profile shaped this reply ("your name", "your recent order").
    personalized: list[str] = field(default_factory=list)


SMALLTALK = {
    "greeting": "Hello! What can I help you with today?",
    "goodbye": "Thanks for chatting with us. Goodbye!",
    "thanks": "You're welcome! Is there anything else I can help with?",
}
HANDOFF_INTENTS = frozenset({"contact_human"})
# A bare yes or no answers the greeting's offer; anything more ("yes, I'd like to return it")
# is understood as a message of its own.
_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|correct|right|exactly|indeed|it is|that'?s (?:it|right|"
    r"the one|correct))(?:[\s,.!]+(?:please|thanks|thank you|it is|that'?s (?:it|right|the "
    r"one)))*[\s.!]*$",
    re.IGNORECASE,
)
_NO = re.compile(r"^(?:no|nope|nah|not (?:really|that))(?:[\s,.!]+thanks)?[\s.!]*$", re.I)
OTHER_ORDER = "If you meant a different order, send me its number."


@dataclass(frozen=True)
class DialogueOptions:
    clarify_margin: float = 0.12
    clarify_floor: float = 0.2
    handoff_after_failures: int = 2
    history_turns: int = 20
    # An intent this confident interrupts an action in progress.
    interrupt_confidence: float = 0.7
    action_intents: Mapping[str, str] = field(
        default_factory=lambda: {"track_order": "order_status", "start_return": "start_return"}
    )
    # A remembered order older than this is not assumed to be the one meant.
    recent_order_days: int = 30


class Assistant:
    """Decides the reply to one customer message given the conversation's state."""

    def __init__(
        self,
        classifier: IntentClassifier,
        knowledge: Knowledge,
        actions: Mapping[str, Action],
        intent_articles: Mapping[str, str],
        options: DialogueOptions | None = None,
        article_choices: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``article_choices``: the intents several articles answer (say, a warranty for
        clothing and one for appliances): the one chosen is the most relevant to the
        question, and for a customer with personalisation, about the products they bought."""
        self.classifier = classifier
        self.knowledge = knowledge
        self.actions = dict(actions)
        self.intent_articles = dict(intent_articles)
        self.options = options or DialogueOptions()
        self.article_choices = {
            intent: tuple(ids) for intent, ids in (article_choices or {}).items() if len(ids) > 1
        }

    def respond(
        self,
        text: str,
        state: DialogueState,
        ctx: ActionContext,
        privacy: PrivacyDesk | None = None,
        personal: Personal | None = None,
    ) -> Reply:
        """With ``privacy``, the customer's privacy commands are answered before anything
        else (they also leave an action in progress). ``personal`` is given only for a
        customer who consented to personalisation; every reply it shapes says so, and how
        to turn it off."""
        command = recognise(text) if privacy is not None else None
        if command is not None and privacy is not None:
            state.offer = state.correction = None
            reply = self._privacy_command(command, state, privacy)
        else:
            reply = self._decide(text, state, ctx, personal)
        if reply.personalized:
            reply.text = f"{reply.text} {explanation(reply.personalized)}"
        state.remember(reply.intent, reply.decision.value, self.options.history_turns)
        return reply

    def opening(self, personal: Personal, state: DialogueState, today: date) -> Reply | None:
        """The personal part of a returning customer's greeting: their name, and the order
        they talked about last time ("Is this about order NW-10421, which we talked about
        last week?"); accepting that offer then takes one word."""
        parts: list[str] = []
        used: list[str] = []
        if personal.name:
            parts.append(f"Welcome back, {personal.name}!")
            used.append("your name")
        order = self._recent_order(personal, today)
        topic = self._action_intent(order.topic) if order is not None else None
        if order is not None and topic is not None:
            parts.append(
                f"Is this about order {order.number}, which we talked about "
                f"{when_said(order.seen_on, today)}? Just say yes, or tell me what you need."
            )
            state.offer = {"intent": topic, "order": order.number}
            used.append("your earlier conversation")
        if not parts:
            return None
        text = f"{' '.join(parts)} {explanation(used)}"
        return Reply(text, Decision.ANSWER, personalized=used)

    def _action_intent(self, topic: str | None) -> str | None:
        """The intent that starts an action, from an intent or an action's name."""
        for intent, action_name in self.options.action_intents.items():
            if topic in (intent, action_name) and action_name in self.actions:
                return intent
        return None

    def _recent_order(self, personal: Personal | None, today: date) -> KnownOrder | None:
        order = personal.latest_order if personal is not None else None
        if order is None or order.seen_on is None:
            return None
        if (today - order.seen_on).days > self.options.recent_order_days:
            return None
        return order

    def _privacy_command(
        self, command: PrivacyCommand, state: DialogueState, privacy: PrivacyDesk
    ) -> Reply:
        state.pending = None
        state.clarify_options = []
        state.failures = 0
        said = answer(command, privacy)
        decision = Decision.ACT if said.acted else Decision.ANSWER
        return Reply(said.text, decision, command.kind.value, 1.0)

    def _decide(
        self, text: str, state: DialogueState, ctx: ActionContext, personal: Personal | None
    ) -> Reply:
        offer, correction = state.offer, state.correction
        state.offer = state.correction = None
        if offer is not None and state.pending is None:
            said = text.strip()
            if _YES.match(said):
                return self._accept_offer(offer, state, ctx)
            if _NO.match(said) and find_order_number(said) is None:
                return Reply("No problem. What can I help you with?", Decision.ANSWER)
        prediction = self.classifier.predict(text)
        if state.pending is not None:
            if wants_to_cancel(text):
                state.pending = None
                return Reply(
                    "No problem, I've stopped that. What else can I help with?", Decision.ANSWER
                )
            free_text = FREE_TEXT in state.pending.slots
            if not self._interrupts(prediction, state.pending.name, free_text):
                if GUESSED in state.pending.slots and find_order_number(text) is not None:
                    # The remembered order was not the one meant: start again with theirs.
                    state.pending = PendingAction(state.pending.name)
                return self._continue_action(text, state, ctx)
            state.pending = None
        if correction is not None and find_order_number(text) is not None:
            intent = correction["intent"]
            if not self._interrupts(prediction, self.options.action_intents.get(intent, "")):
                return self._handle_intent(intent, 1.0, text, state, ctx, None)
        if state.clarify_options:
            chosen = self._chosen_option(text, prediction, state.clarify_options)
            state.clarify_options = []
            if chosen is not None:
                return self._handle_intent(chosen, 1.0, text, state, ctx, personal)
        if prediction.intent in HANDOFF_INTENTS:
            return self._handoff(state, prediction, "Of course.")
        if prediction.out_of_scope or prediction.intent is None:
            return self._out_of_scope(state, prediction)
        ranking = prediction.ranking
        if (
            len(ranking) > 1
            and ranking[1][1] >= self.options.clarify_floor
            and ranking[0][1] - ranking[1][1] < self.options.clarify_margin
        ):
            return self._clarify(state, prediction)
        return self._handle_intent(
            prediction.intent, prediction.confidence, text, state, ctx, personal
        )

    def _accept_offer(
        self, offer: dict[str, str], state: DialogueState, ctx: ActionContext
    ) -> Reply:
        """ "Yes" to "is this about order NW-10421?": carry on with that order at once."""
        intent = offer["intent"]
        action_name = self.options.action_intents.get(intent)
        if action_name is None or action_name not in self.actions:
            return Reply("What would you like to know?", Decision.ANSWER)
        state.pending = PendingAction(action_name, {KNOWN_ORDER: offer["order"]})
        reply = self._continue_action("", state, ctx)
        reply.intent, reply.confidence = intent, 1.0
        if reply.personalized:
            reply.personalized = ["your earlier conversation"]
        return reply

    def _interrupts(
        self, prediction: Prediction, action_name: str, free_text: bool = False
    ) -> bool:
        """Whether the message leaves the action for another intent. An action waiting for
        free text (a return's reason: "it arrived damaged") is left only for a person."""
        if prediction.intent is None or prediction.out_of_scope:
            return False
        if prediction.intent in HANDOFF_INTENTS:
            return True
        if free_text:
            return False
        same = self.options.action_intents.get(prediction.intent) == action_name
        return not same and prediction.confidence >= self.options.interrupt_confidence

    def _handle_intent(
        self,
        intent: str,
        confidence: float,
        text: str,
        state: DialogueState,
        ctx: ActionContext,
        personal: Personal | None,
    ) -> Reply:
        if intent in HANDOFF_INTENTS:
            return self._handoff(state, None, "Of course.")
        action_name = self.options.action_intents.get(intent)
        if action_name is not None and action_name in self.actions:
            order = self._recent_order(personal, ctx.today())
            known = {KNOWN_ORDER: order.number} if order is not None else {}
            state.pending = PendingAction(action_name, known)
            reply = self._continue_action(text, state, ctx)
            reply.intent, reply.confidence = intent, confidence
            if reply.personalized and state.pending is None:
                state.correction = {"intent": intent}
            return reply
        if intent in SMALLTALK:
            state.failures = 0
            return Reply(SMALLTALK[intent], Decision.ANSWER, intent, confidence)
        article, by_products = self._article_for(intent, text, personal)
        if article is None:
            return self._out_of_scope(state, None)
        state.failures = 0
        return Reply(
            first_paragraph(article.body),
            Decision.ANSWER,
            intent,
            confidence,
            [Citation(article.id, article.title)],
            personalized=["the products you ordered"] if by_products else [],
        )

    def _continue_action(self, text: str, state: DialogueState, ctx: ActionContext) -> Reply:
        pending = state.pending
        assert pending is not None
        step: ActionStep = self.actions[pending.name].step(text, pending.slots, ctx)
        pending.slots = step.slots
        if step.done:
            state.pending = None
        if step.failed:
            state.failures += 1
            if state.failures >= self.options.handoff_after_failures:
                return self._handoff(state, None, step.text)
        elif step.done:
            state.failures = 0
        if not step.used_known_order:
            return Reply(step.text, Decision.ACT, pending.name, None, result=step.result)
        return Reply(
            f"{step.text} {OTHER_ORDER}",
            Decision.ACT,
            pending.name,
            None,
            result=step.result,
            personalized=["your recent order"],
        )

    def _article_for(
        self, intent: str, text: str, personal: Personal | None
    ) -> tuple[Article | None, bool]:
        """The article answering ``intent`` and whether the customer's products chose it."""
        choices = self.article_choices.get(intent)
        if choices:
            return self._choose_article(choices, text, personal)
        article_id = self.intent_articles.get(intent)
        if article_id is not None:
            return self.knowledge.article(article_id), False
        passages = self.knowledge.search(text, k=1)
        return (self.knowledge.article(passages[0].article_id) if passages else None), False

    def _choose_article(
        self, choices: Sequence[str], text: str, personal: Personal | None
    ) -> tuple[Article | None, bool]:
        relevance = {p.article_id: p.score for p in self.knowledge.search(text, k=10)}
        articles = [a for a in map(self.knowledge.article, choices) if a is not None]
        if not articles:
            return None, False
        interests = personal.interests if personal is not None else frozenset()
        asked = product_words([text])
        words = {a.id: product_words((a.title, *a.tags, *a.questions)) for a in articles}

        def plain(article: Article) -> tuple[int, float]:
            """What the question says: the products it names, then its relevance."""
            return len(asked & words[article.id]), relevance.get(article.id, 0.0)

        def tailored(article: Article) -> tuple[int, int, float]:
            named, score = plain(article)
            return named, len(interests & words[article.id]), score

        # max keeps the first of equals: the intent's main article wins ties.
        unaided = max(articles, key=plain)
        best = max(articles, key=tailored)
        # Personalised only when the customer's products changed the choice.
        return best, best is not unaided

    def _title(self, intent: str) -> str:
        action_name = self.options.action_intents.get(intent)
        if action_name in self.actions:
            return self.actions[action_name].title
        article_id = self.intent_articles.get(intent)
        article = self.knowledge.article(article_id) if article_id else None
        return article.title if article else intent.replace("_", " ").capitalize()

    def _clarify(self, state: DialogueState, prediction: Prediction) -> Reply:
        options = [intent for intent, _ in prediction.ranking[:2]]
        state.clarify_options = options
        listed = " or ".join(f"{i}) {self._title(o)}" for i, o in enumerate(options, 1))
        return Reply(
            f"Just to be sure I help with the right thing: do you mean {listed}?",
            Decision.CLARIFY,
            prediction.intent,
            prediction.confidence,
        )

    def _chosen_option(
        self, text: str, prediction: Prediction, options: Sequence[str]
    ) -> str | None:
        answer = text.strip().lower().rstrip(".!)")
        ordinals = {"1": 0, "first": 0, "the first": 0, "2": 1, "second": 1, "the second": 1}
        if answer in ordinals and ordinals[answer] < len(options):
            return options[ordinals[answer]]
        for option in options:
            if answer and answer in self._title(option).lower():
                return option
        return prediction.intent if prediction.intent in options else None

    def _out_of_scope(self, state: DialogueState, prediction: Prediction | None) -> Reply:
        state.failures += 1
        if state.failures >= self.options.handoff_after_failures:
            return self._handoff(
                state, prediction, "I'm sorry, I haven't been able to help with this."
            )
        return Reply(
            "I'm sorry, that's outside what I can help with. I can answer questions about "
            "orders, shipping, returns, refunds, payments, your account and privacy. Would you "
            'like me to connect you with a person? Just say "talk to a human".',
            Decision.OUT_OF_SCOPE,
            None,
            prediction.confidence if prediction else None,
        )

    def _handoff(self, state: DialogueState, prediction: Prediction | None, lead: str) -> Reply:
        state.pending = None
        state.clarify_options = []
        state.failures = 0
        return Reply(
            f"{lead} I'm passing this conversation to a member of our support team; they will "
            "reply here as soon as one is available.",
            Decision.HANDOFF,
            prediction.intent if prediction else "contact_human",
            prediction.confidence if prediction else None,
            handoff=True,
        )
