"""Predictions: the answer to each posting, with its title's claim when it has one, and when to look again."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import islice

from ._errors import InvalidValueError, PostingTypeError
from ._predicting import Predicting, as_sequence, as_texts, check_fitted, missing
from ._prediction import Prediction
from ._roles import HYBRID, OTHER, PM, TPM
from ._scoring import Batch
from ._sections import job_text
from ._text import check_text, check_titled, close_markup, mask_role_names
from ._titles import TITLED_CLAIMS, claim_confidences, contradicts, title_claim

__all__ = ["Answering"]


class Answering(Predicting):
    """:meth:`classify_many` and :meth:`classify`: :class:`~tpmclassify.Prediction` objects, titled or not."""

    titled_scope_threshold: float | None
    mismatch_confidence: float | dict[str, float]

    def classify_many(self, texts: Iterable[str], titles: Iterable[object] | None = None) -> list[Prediction]:
        """Classify many postings at once (vectorised; explanations computed on access).

        The label follows the decision rule of :meth:`predict`.

        Parameters
        ----------
        texts : sequence of str
            Posting descriptions.
        titles : sequence of str or None, optional
            Their job titles (None or a blank title: unknown), matched to ``texts`` by position (a pandas Series'
            index is not aligned: pass the two columns of one frame). With a title, the answer also says what the title
            claims (``title_label``), what the text describes with every role name masked so the title cannot
            vote (``content_label``, ``content_tpm_probability``), and whether the two disagree
            (``title_mismatch``); see :class:`Prediction`.
        """
        check_fitted(self)
        texts = as_texts(texts, "; classify_frame answers such a row with an error and goes on")  # (this call stops)
        if titles is not None:
            endless = isinstance(titles, Iterator)  # (read no more of an iterator than one title past the postings)
            given = islice(titles, len(texts) + 1) if endless else titles
            titles = [None if missing(t) else t for t in as_sequence(given, "titles")]
            if len(titles) != len(texts):
                more = "more" if endless and len(titles) > len(texts) else len(titles)
                raise InvalidValueError(f"{len(texts)} postings but {more} titles")
            for i, t in enumerate(titles):
                if t is not None and not isinstance(t, str):
                    raise PostingTypeError(
                        f"title {i} must be str or None (or missing: NaN, pd.NA), got {type(t).__name__}"
                    )
                if t is not None:
                    check_titled(texts[i], t)
        return self._classify(texts, titles)

    def _classify(self, texts: list[str], titles: Sequence[object] | None = None) -> list[Prediction]:
        """:meth:`classify_many` on texts already checked."""
        claims = None if titles is None else [t.strip() if isinstance(t, str) and t.strip() else None for t in titles]
        if claims is not None and any(claims):
            return self._classify_titled(texts, claims)
        return self._predictions(texts)

    def _predictions(
        self,
        texts: Sequence[str],
        shown: Sequence[str] | None = None,
        titled: Sequence[bool] | None = None,
        masked: bool = False,
    ) -> list[Prediction]:
        """The answers for ``texts``, each giving ``shown[i]`` as its text (the posting its spans index).

        A ``titled`` posting's title says it is a TPM or PM job: its content, read here, only says which, unless it
        reads as no such job at all (in scope under ``titled_scope_threshold``, and never on too little evidence).
        ``masked``: the texts' role names are masked (contents), so they are explained from a typical posting with its
        role names masked.
        """
        batch = self._batch(texts, masked=masked)
        p_tpm, *scope = batch.probabilities
        scopes = scope[0] if scope else [None] * len(texts)
        out = []
        for i, (p, s) in enumerate(zip(p_tpm, scopes, strict=True)):
            label = self._label(p, s)
            read = batch.role_evidence[i]
            unreadable = self._unreadable(label, batch, i)
            threshold = self.active_scope_threshold
            if titled is not None and titled[i]:
                threshold = self.titled_scope_threshold
                role = TPM if p >= 0.5 else PM
                # another job than its title says only on text read whole: readable, and not shorter than a TPM or
                # PM answer needs (its TPM or PM evidence is not asked: another job has little)
                whole = batch.readable[i] and not self._short(batch, i)
                other = threshold is not None and s is not None and whole and s < threshold
                label = OTHER if other else role
                unreadable = self._unreadable(label, batch, i)
            out.append(
                Prediction(
                    text=texts[i] if shown is None else shown[i],
                    label=label,
                    probabilities={TPM: p, PM: 1.0 - p},
                    in_scope=s,
                    needs_review=self._needs_review(label, p, unreadable),
                    _explain=partial(batch.explanation, i),
                    scope_threshold=threshold,
                    unreadable=unreadable,
                    evidence=read,
                    short=self._short(batch, i),
                    _legible=bool(batch.readable[i]),
                )
            )
        # whose explanation their reasons need: why in scope and which role, or why not in scope
        batch.expect(0, [i for i, p in enumerate(out) if p.label != OTHER])
        batch.expect(1, [i for i, p in enumerate(out) if p.label == OTHER])
        return out

    def _classify_titled(self, texts: list[str], titles: list[str | None]) -> list[Prediction]:
        """The answers of postings with titles: the combined answer (text and title), and the content's own.

        The title is appended after the text, and role names are masked by blanks of their own length, so every
        span of either answer indexes the posting as given (a span past its end is in the title). A hybrid title,
        used for either role, is decided by its content: the answer is the content's own.
        """
        given = [text if t is None else f"{text}\n{t}" for text, t in zip(texts, titles, strict=True)]
        # the title read after the posting's job text (its boilerplate already blanked, the same length), so that a
        # posting ending in a benefits or equal-opportunity section does not blank the title with it, nor one ending
        # in a comment, script or tag left open (a page cut short) make a comment of it
        read = [
            text if t is None else f"{close_markup(job_text(text))}\n{t}" for text, t in zip(texts, titles, strict=True)
        ]
        out = self._predictions(read, shown=given)
        claims = [(None, None) if t is None else title_claim(t) for t in titles]
        content = self._predictions(
            [mask_role_names(text) for text in texts],
            shown=texts,
            titled=[claim in TITLED_CLAIMS for _, claim in claims],
            masked=True,
        )
        confidences, threshold = self.mismatch_confidences, self.active_scope_threshold
        for i, (c, title, (rule, claim)) in enumerate(zip(content, titles, claims, strict=True)):
            if title is not None:
                # a hybrid title's TPM/PM answer is its content's, but, as under any title, the posting read with its
                # title decides whether it is a TPM or PM job at all
                answer = c if claim == HYBRID and out[i].label != OTHER else out[i]
                out[i] = dataclasses.replace(
                    answer,
                    probabilities=dict(answer.probabilities),  # (a hybrid title's answer is its content's: two dicts)
                    title=title,
                    title_label=rule or "",
                    content=c,
                    title_mismatch=not answer.unreadable and contradicts(claim, c, confidences, threshold),
                )
        return out

    @property
    def mismatch_confidences(self) -> dict[str, float]:
        """The confidence a content reading as the other role needs to contradict a title, per claim of the title
        ("tpm", "pm", "program"; see ``mismatch_confidence``).

        Examples
        --------
        >>> from tpmclassify import TPMClassifier
        >>> TPMClassifier(mismatch_confidence=0.85).mismatch_confidences
        {'tpm': 0.85, 'pm': 0.85, 'program': 0.85}
        """
        return claim_confidences(self.mismatch_confidence)

    def _unreadable(self, label: str, batch: Batch, i: int) -> bool:
        """Too little to decide from: text the model cannot read (fewer than one in ten of its words known); a text
        of fewer words than 99% of the training postings have, whatever its answer; or a TPM or PM answer resting on
        less evidence than that (:meth:`_decidable`). The model was fitted on whole postings: a sentence's few cues
        say little of the job, nor does the absence of the rest, whether it is a TPM or PM job at all included
        ("Drive a multi-year program across five engineering teams" read as out of scope, and was not flagged; "See
        attached PDF", a scrape's placeholder, was read as plainly another job, as a nurse's sentence was: the
        model cannot tell them apart). Evidence is asked of no out-of-scope answer: the role head may well have
        nothing to say about a nurse's posting."""
        return not batch.readable[i] or self._short(batch, i) or (label != OTHER and not self._decidable(batch, i))

    def _needs_review(self, label: str, p_tpm: float, unreadable: bool) -> bool:
        """Unreadable, or in scope with a TPM/PM split inside ``review_band``."""
        lo, hi = self.review_band
        return unreadable or (label != OTHER and lo <= p_tpm <= hi)

    def classify(self, text: str, title: str | None = None) -> Prediction:
        """Classify one posting (optionally with its title); see :meth:`classify_many`."""
        check_text(text)
        if title is not None and not isinstance(title, str) and not missing(title):  # (no place in a list to name)
            raise PostingTypeError(f"title must be str or None, got {type(title).__name__}")
        return self.classify_many([text], None if title is None else [title])[0]
