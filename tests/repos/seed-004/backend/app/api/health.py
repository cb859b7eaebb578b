from fastapi import APIRouter

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/detailed")
def health_detailed() -> dict[str, object]:
    return {"status": "ok", "checks": {"database": "ok", "supabase": "ok"}}
