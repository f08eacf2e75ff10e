from django_tasks import task

from patientportal.orders.services import cancel_unpaid_orders


@task()
def cancel_unpaid_orders_task() -> list[str]:
    """The same work as `manage.py cancel_unpaid_orders`, for schedulers that enqueue tasks."""
    return cancel_unpaid_orders()
