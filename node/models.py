"""Every mapped class of the node core, so Base.metadata is complete.

Imported from above (migrations, tests), never by `node.db`: the database layer sits
below the domains and must not know them."""

from node.audit.models import AuditEntry
from node.auth.accounts import User
from node.auth.models import AccessToken, LoginAttempt
from node.callcenter.models import (
    AgentStateEvent,
    AgentTimeDayFigures,
    AgentTimeFigures,
    CallDayFigures,
    CallDetailRecord,
    CallFigures,
    CallQueueFigures,
    QueueLogEvent,
)
from node.churn.models import ChurnEvent
from node.contacts.models import Contact
from node.contracts.models import Contract
from node.customers.models import Customer
from node.db.base import Base
from node.db.counters import Counter
from node.dictionaries.models import DictionaryEntry
from node.history.models import FieldChange
from node.interactions.models import Interaction
from node.knowledge.feedback_models import KbFeedback, KbViewCount
from node.knowledge.models import (
    KbAck,
    KbArticle,
    KbArticleVersion,
    KbAttachment,
    KbAttachmentPublication,
    KbAudience,
    KbFolder,
    KbPublication,
    KbSearchTerm,
    KbStep,
)
from node.notifications.models import NotificationRead
from node.products.models import Product
from node.sms.models import SmsMessage
from node.subscriptions.models import Subscription
from node.surveys.campaign_models import (
    CallAttempt,
    CallTask,
    SuppressedNumber,
    SurveyCampaign,
    SurveyResponse,
)
from node.surveys.figure_models import SurveyAnswerFigures, SurveyFigureDelta, SurveyFigures
from node.surveys.models import Questionnaire, QuestionnairePublication, QuestionnaireVersion
from node.tickets.models import Ticket, TicketEvent
from node.views.models import SavedView

REPLICATED_MODELS = (
    DictionaryEntry,
    User,
    Customer,
    Contact,
    Product,
    Subscription,
    Contract,
    Ticket,
    TicketEvent,
    Interaction,
    ChurnEvent,
    AgentStateEvent,
    AgentTimeFigures,
    AgentTimeDayFigures,
    CallFigures,
    CallQueueFigures,
    CallDayFigures,
    SuppressedNumber,
    SurveyFigures,
    SurveyAnswerFigures,
    KbPublication,
    KbAttachmentPublication,
    QuestionnairePublication,
    KbFeedback,
    KbViewCount,
)

__all__ = [
    "REPLICATED_MODELS",
    "AccessToken",
    "AgentStateEvent",
    "AgentTimeDayFigures",
    "AgentTimeFigures",
    "AuditEntry",
    "Base",
    "CallAttempt",
    "CallDayFigures",
    "CallDetailRecord",
    "CallFigures",
    "CallQueueFigures",
    "CallTask",
    "ChurnEvent",
    "Contact",
    "Contract",
    "Counter",
    "Customer",
    "DictionaryEntry",
    "FieldChange",
    "Interaction",
    "KbAck",
    "KbArticle",
    "KbArticleVersion",
    "KbAttachment",
    "KbAttachmentPublication",
    "KbAudience",
    "KbFeedback",
    "KbFolder",
    "KbPublication",
    "KbSearchTerm",
    "KbStep",
    "KbViewCount",
    "LoginAttempt",
    "NotificationRead",
    "Product",
    "Questionnaire",
    "QuestionnairePublication",
    "QuestionnaireVersion",
    "QueueLogEvent",
    "SavedView",
    "SmsMessage",
    "Subscription",
    "SuppressedNumber",
    "SurveyAnswerFigures",
    "SurveyCampaign",
    "SurveyFigureDelta",
    "SurveyFigures",
    "SurveyResponse",
    "Ticket",
    "TicketEvent",
    "User",
]
